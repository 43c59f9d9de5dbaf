package queue

import (
	"fmt"
	"runtime/debug"
	"time"

	"abaco"
)

// work1 is one worker. At shutdown it stops picking up tasks: giveBack
// returns the ones waiting, Leave the ones waiting for a retry.
func (r *run) work1() {
	defer r.workers.Done()
	for {
		var t task
		select {
		case <-r.ctx.Done():
			return
		case ts := <-r.batches:
			if r.ctx.Err() != nil {
				return
			}
			if ts = startAll(ts); len(ts) > 0 {
				r.processBatch(ts)
			}
			continue
		case t = <-r.work:
			if r.ctx.Err() != nil {
				return
			}
			// Start decides whether this worker or giveBack (or a
			// fence) has it.
			if !t.start() {
				continue
			}
		case t = <-r.retry:
			if r.ctx.Err() != nil {
				return
			}
			if r.stale(t) {
				r.finished(t) // fenced while it waited for a worker
				continue
			}
		}
		if r.c.bh != nil {
			r.processBatch([]task{t}) // a retry
			continue
		}
		r.c.m.pickup.Observe(time.Since(t.lease.at).Seconds())
		r.settle(t, r.call(t.it))
	}
}

// startAll claims the tasks of a batch for a worker, as start does, and
// returns those it claimed: the others are giveBack's.
func startAll(ts []task) []task {
	started := ts[:0]
	for _, t := range ts {
		if t.start() {
			started = append(started, t)
		}
	}
	return started
}

// processBatch runs the batch handler on ts and settles each task.
func (r *run) processBatch(ts []task) {
	items := make([]abaco.Item, len(ts))
	for i, t := range ts {
		items[i] = t.it
		r.c.m.pickup.Observe(time.Since(t.lease.at).Seconds())
	}
	errs := r.callBatch(items)
	for i, t := range ts {
		r.settle(t, errs[i])
	}
}

// settle acknowledges t after its handler returned err, or retries or
// buries it.
func (r *run) settle(t task, err error) {
	o := r.c.o
	switch {
	case err == nil:
		r.acks <- t
		return
	case r.hctx.Err() != nil:
		// Given up at shutdown: Leave returns it.
		return
	}
	r.c.m.failed.Inc()
	if isPermanent(err) {
		r.bury(t, err)
		return
	}
	n, ferr := r.c.b.Fail(r.bg, o.Queue, t.it.Payload)
	if ferr != nil {
		r.c.log.Warn("queue: could not record a failed attempt", "err", ferr)
		n = t.it.Attempts + 1
	}
	if n > o.MaxAttempts {
		r.bury(t, err)
		return
	}
	r.c.log.Debug("queue: retrying", "payload", t.it.Payload, "attempt", n, "err", err)
	r.c.m.redeliveredHandler.Inc()
	t.it.Attempts = n
	r.retries.Add(1)
	go func() {
		defer r.retries.Done()
		if !sleep(r.ctx, o.backoff(n)) {
			// Shutdown began: Leave returns the item.
			return
		}
		if r.stale(t) {
			// Fenced while it waited: the item was handed back.
			r.finished(t)
			return
		}
		select {
		case r.retry <- t:
		case <-r.ctx.Done():
		}
	}()
}

// callBatch runs the batch handler as call runs the handler: a panic
// fails every item of the batch.
func (r *run) callBatch(items []abaco.Item) (errs []error) {
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("handler panicked: %v", p)
			r.c.log.Error("queue: batch handler panicked", "items", len(items), "panic", p, "stack", string(debug.Stack()))
			errs = make([]error, len(items))
			for i := range errs {
				errs[i] = err
			}
		}
	}()
	return r.c.bh(r.hctx, items)
}

// call runs the handler, turning a panic into an error so that one bad
// item is retried and dead-lettered instead of killing the consumer.
func (r *run) call(it abaco.Item) (err error) {
	ctx, span := r.c.startItem(r.hctx, it)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
			r.c.log.Error("queue: handler panicked", "payload", it.Payload, "panic", p, "stack", string(debug.Stack()))
		}
		endSpan(span, err)
	}()
	return r.c.h(ctx, it)
}

func (r *run) bury(t task, cause error) {
	o := r.c.o
	d := abaco.DeadLetter{Payload: t.it.Payload, Reason: cause.Error(), Attempts: t.it.Attempts,
		Consumer: o.ID, At: time.Now()}
	ok, err := r.c.b.Bury(r.bg, o.Queue, o.ID, d)
	switch {
	case err != nil:
		// It stays leased; after a restart or reap it is tried again.
		r.c.log.Error("queue: could not dead-letter an item", "payload", t.it.Payload, "err", err)
		return
	case ok:
		r.c.m.dead.Inc()
		r.c.log.Warn("queue: dead letter", "payload", t.it.Payload, "attempts", t.it.Attempts, "reason", d.Reason)
	default:
		// Reaped while it ran: another consumer has it now.
		r.c.m.redeliveredLeaseLost.Inc()
	}
	r.finished(t)
}
