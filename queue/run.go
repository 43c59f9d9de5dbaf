package queue

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"abaco"
	"abaco/internal/outage"
)

// task is one leased item on its way through a run: item i of its lease.
type task struct {
	it    abaco.Item
	lease *lease
	i     int
}

// The states of a leased item. An item is claimed once, either by a worker
// (started) or by giveBack at shutdown or fence (returned), so it is never
// both processed here and handed to another consumer. It is gone once it
// has left the consumer (acknowledged, buried, returned or dropped): the
// reconciler then no longer counts it as held.
const (
	waiting uint32 = iota
	started
	returned
	gone
)

// start claims t for a worker; it reports false when giveBack has it.
func (t task) start() bool {
	return t.lease.state[t.i].CompareAndSwap(waiting, started)
}

// run is one Consumer.Run: a taker fills work with leased items, workers
// run the handler, an acker acknowledges finished items in batches, and a
// heartbeat loop keeps the consumer alive and reaps dead ones; at shutdown
// giveBack returns what no worker has started. tokens bounds how many
// items are leased at once (Concurrency + Batch), so a consumer never
// hoards the queue.
type run struct {
	c       *Consumer
	ctx     context.Context // done when shutdown begins
	bg      context.Context // for the last broker calls after ctx is done
	hctx    context.Context // handlers' context: cancelled Grace after shutdown
	hcancel context.CancelFunc
	tokens  chan struct{}
	work    chan task
	batches chan []task // instead of work, for a batch handler
	retry   chan task
	acks    chan task
	leases  leases
	// reconcileNow asks the taker to reconcile before its next take
	// (after a fence: see fence.go).
	reconcileNow atomic.Bool
	// epoch counts fences: a task leased in an older epoch is not retried.
	epoch atomic.Uint64
	// takeCut says that shutdown cut a take short, which Redis may yet
	// serve: stop then leaves a second time.
	takeCut atomic.Bool
	// reapAfter is when the heartbeat loop may run the reaper again (see
	// heartbeat.go); only that loop reads and writes it.
	reapAfter time.Time
	// The outage logs of the run's loops.
	takeLog, ackLog, beatLog, reapLog, reconcileLog *outage.Log

	taker, workers, retries, beats sync.WaitGroup
	ackerDone                      chan struct{}
}

// newRun returns a run of c; reapAfter is when its reaper may first run.
func newRun(c *Consumer, ctx context.Context, reapAfter time.Time) *run {
	capacity := c.o.Concurrency + c.o.Batch
	if c.bh != nil {
		// Each worker may hold a whole batch while the next take waits:
		// with less room, one batch in flight would hold all the tokens
		// and the workers would take turns instead of overlapping.
		capacity = (c.o.Concurrency + 1) * c.o.Batch
	}
	r := &run{
		c:            c,
		ctx:          ctx,
		bg:           context.WithoutCancel(ctx),
		tokens:       make(chan struct{}, capacity),
		work:         make(chan task, capacity),
		batches:      make(chan []task, capacity),
		retry:        make(chan task),
		acks:         make(chan task, capacity),
		ackerDone:    make(chan struct{}),
		reapAfter:    reapAfter,
		takeLog:      outage.New(c.log, "queue: take", 0),
		ackLog:       outage.New(c.log, "queue: ack", 0),
		beatLog:      outage.New(c.log, "queue: heartbeat", 0),
		reapLog:      outage.New(c.log, "queue: reaper", 0),
		reconcileLog: outage.New(c.log, "queue: reconcile", 0),
	}
	r.hctx, r.hcancel = context.WithCancel(r.bg)
	return r
}

func (r *run) start() {
	r.beats.Add(1)
	go r.heartbeat()
	r.taker.Add(1)
	go r.take()
	for range r.c.o.Concurrency {
		r.workers.Add(1)
		go r.work1()
	}
	go r.ack()
}

// stop runs after r.ctx is done: see Consumer.Run.
func (r *run) stop() {
	if r.c.o.Grace > 0 {
		t := time.AfterFunc(r.c.o.Grace, r.hcancel)
		defer t.Stop()
	} else {
		r.hcancel()
	}
	// The take in flight, if any, ends first: its items were behind the
	// ones waiting, and Return puts all of them back in one call, in order.
	// It is at most Block when the queue is empty and one round trip
	// otherwise, or none when no item waits for a worker (see takeOnce).
	r.taker.Wait()
	r.giveBack()
	r.workers.Wait()
	r.hcancel()
	r.retries.Wait()
	close(r.acks)
	<-r.ackerDone
	r.beats.Wait()
	ctx, cancel := context.WithTimeout(r.bg, 5*time.Second)
	defer cancel()
	n, err := r.c.b.Leave(ctx, r.c.o.Queue, r.c.o.ID)
	if err == nil && r.takeCut.Load() {
		// The take cut short may be served until Redis sees its
		// connection close (closed before the first Leave was sent, so
		// seen by the time Redis answered it, but for a close delayed on
		// the network): this Leave returns what that take leased. Served
		// later still, its script registers the consumer again, without
		// a heartbeat, and any consumer's reaper returns the items, as
		// for a consumer that died.
		var m int
		m, err = r.c.b.Leave(ctx, r.c.o.Queue, r.c.o.ID)
		n += m
	}
	if err != nil {
		r.c.log.Error("queue: leave: items stay leased until another consumer reaps them", "err", err)
		return
	}
	r.c.log.Info("queue: consumer stopped", "returned", n)
}

// release gives back n leasing tokens.
func (r *run) release(n int) {
	for range n {
		<-r.tokens
	}
}

// giveBack returns the items no worker has started to the head of the
// queue as shutdown begins, so that other consumers can take them while this one's
// running handlers finish their grace period.
func (r *run) giveBack() {
	back := r.leases.unstarted()
	if len(back) == 0 {
		return
	}
	payloads := make([]string, len(back))
	for i, t := range back {
		payloads[i] = t.it.Payload
	}
	ctx, cancel := context.WithTimeout(r.bg, 5*time.Second)
	defer cancel()
	if err := r.c.b.Return(ctx, r.c.o.Queue, r.c.o.ID, payloads...); err != nil {
		// They stay claimed, so no worker starts them, and leased, so
		// Leave returns them at the end.
		r.c.log.Warn("queue: could not return the items not started; leave will", "items", len(back), "err", err)
		return
	}
	for _, t := range back {
		r.finished(t)
	}
	r.c.log.Info("queue: returned the items not started", "items", len(back))
}

// finished accounts for a task that left the consumer (acked, buried,
// returned or dropped).
func (r *run) finished(t task) {
	t.lease.state[t.i].Store(gone)
	r.leases.done(t.lease, 1)
	r.release(1)
	r.c.m.inFlight.Dec()
}

// take leases items while there is room, blocking in the broker only when
// the queue is empty. Between takes it reconciles the processing list
// (reconcile.go): after a failed take, after a fence, and every Heartbeat.
// The taker is the only goroutine that adds items to the list, so no take
// is in flight while it reconciles.
func (r *run) take() {
	defer r.taker.Done()
	o := r.c.o
	tick := time.NewTicker(o.Heartbeat)
	defer tick.Stop()
	fails := 0
	last := time.Now()
	for r.ctx.Err() == nil {
		if r.reconcileNow.Swap(false) || time.Since(last) >= o.Heartbeat {
			r.reconcile()
			last = time.Now()
		}
		select {
		case r.tokens <- struct{}{}:
		case <-tick.C:
			continue // full: reconcile while waiting for room
		case <-r.ctx.Done():
			return
		}
		n := 1
	more:
		for n < o.Batch {
			select {
			case r.tokens <- struct{}{}:
				n++
			default:
				break more
			}
		}
		if r.ctx.Err() != nil {
			// Shutdown began while waiting for room: what is taken now
			// would only be returned.
			r.release(n)
			return
		}
		items, err := r.takeOnce(n)
		r.release(n - len(items))
		if err != nil {
			if r.ctx.Err() != nil {
				return
			}
			fails++
			r.takeLog.Fail(err)
			// The script may have run and only its reply been lost: the
			// items it leased are in the processing list, unknown here.
			r.reconcileNow.Store(true)
			if !sleep(r.ctx, retryWait(fails)) {
				return
			}
			continue
		}
		fails = 0
		r.takeLog.OK()
		if len(items) == 0 {
			continue
		}
		r.c.m.inFlight.Add(float64(len(items)))
		l := r.leases.add(items, r.epoch.Load())
		if r.c.bh != nil {
			// A batch handler gets the take whole: handed over item by
			// item, it would be split among the workers that wake first.
			ts := make([]task, len(items))
			for i, it := range items {
				ts[i] = task{it: it, lease: l, i: i}
			}
			r.batches <- ts
			continue
		}
		for i, it := range items {
			r.work <- task{it: it, lease: l, i: i}
		}
	}
}

// takeOnce leases up to n items. Shutdown cuts the take short when no
// leased item waits for a worker, so that an idle consumer stops at once
// rather than after up to Block. Redis may still serve a take cut short (a
// blocked BLMOVE served before Redis sees its connection close), leasing
// items this run never learns of: stop leaves twice for them, which puts
// them back at the head in order, behind the ones still being handled. With
// items waiting, the take is waited for: items leased late would go back
// ahead of the ones giveBack returns.
func (r *run) takeOnce(n int) ([]abaco.Item, error) {
	ctx, cut := context.WithCancel(r.bg)
	defer cut()
	stop := context.AfterFunc(r.ctx, func() {
		if !r.leases.waiting() {
			cut()
		}
	})
	items, err := r.c.b.Take(ctx, r.c.o.Queue, r.c.o.ID, n, r.c.o.Block)
	stop()
	if ctx.Err() != nil {
		r.takeCut.Store(true) // or cut as it ended: one Leave more is harmless
	}
	return items, err
}

// sleep waits d unless ctx is done first; it reports whether it slept.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// lease is a batch of items taken together; it tells the heartbeat how old
// the consumer's oldest unfinished item is, and giveBack which items no
// worker has started.
type lease struct {
	at    time.Time
	epoch uint64 // run.epoch when it was taken
	left  int
	items []abaco.Item
	state []atomic.Uint32
}

// leases tracks unfinished batches in take order.
type leases struct {
	mu   sync.Mutex
	list []*lease
}

func (l *leases) add(items []abaco.Item, epoch uint64) *lease {
	b := &lease{at: time.Now(), epoch: epoch, left: len(items), items: items, state: make([]atomic.Uint32, len(items))}
	l.mu.Lock()
	l.list = append(l.list, b)
	l.mu.Unlock()
	return b
}

func (l *leases) done(b *lease, n int) {
	l.mu.Lock()
	b.left -= n
	l.mu.Unlock()
}

// oldest returns when the oldest unfinished batch was taken (zero if none).
func (l *leases) oldest() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.list) > 0 && l.list[0].left <= 0 {
		l.list = l.list[1:]
	}
	if len(l.list) == 0 {
		return time.Time{}
	}
	return l.list[0].at
}

// waiting reports whether a leased item waits for a worker.
func (l *leases) waiting() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range l.list {
		for i := range b.state {
			if b.state[i].Load() == waiting {
				return true
			}
		}
	}
	return false
}

// unstarted claims the items no worker has started, in take order, and
// returns them as tasks.
func (l *leases) unstarted() []task {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []task
	for _, b := range l.list {
		for i := range b.state {
			if b.state[i].CompareAndSwap(waiting, returned) {
				out = append(out, task{it: b.items[i], lease: b, i: i})
			}
		}
	}
	return out
}
