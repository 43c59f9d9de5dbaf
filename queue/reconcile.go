package queue

import (
	"context"
	"time"
)

// reconcileWait bounds one reconciliation's broker calls: the client
// retries reads while Redis is down, and the taker must not hang on them.
const reconcileWait = time.Second

// reconcile returns to the head of the queue the items of this consumer's
// processing list that it does not know it holds: a take whose script ran
// on Redis but whose reply was lost (a connection closed by a restart)
// leased them, and no reaper returns the items of a live consumer. They go
// back without an attempt counted, since no handler saw them.
//
// What is known is snapshotted before the list is read: items finished
// between the two reads only shrink the list, so they are never mistaken
// for unknown ones, and no item is added meanwhile (only the taker, which
// runs this, adds items). Payloads may repeat, so both sides are
// multisets.
func (r *run) reconcile() {
	if r.ctx.Err() != nil {
		return // Leave returns everything at shutdown
	}
	o := r.c.o
	known := r.leases.known()
	ctx, cancel := context.WithTimeout(r.ctx, reconcileWait)
	defer cancel()
	list, err := r.c.b.Leased(ctx, o.Queue, o.ID)
	if err != nil {
		r.reconcileLog.Fail(err)
		r.reconcileNow.Store(true)
		return
	}
	unknown := unknownItems(list, known)
	if len(unknown) == 0 {
		r.reconcileLog.OK()
		return
	}
	if err := r.c.b.Return(ctx, o.Queue, o.ID, unknown...); err != nil {
		r.reconcileLog.Fail(err, "items", len(unknown))
		r.reconcileNow.Store(true)
		return
	}
	r.reconcileLog.OK()
	r.c.m.recovered.Add(float64(len(unknown)))
	r.c.log.Info("queue: returned items leased without this consumer knowing (a take reply was lost)",
		"items", len(unknown))
}

// unknownItems returns the payloads of list beyond their count in known,
// in list order. It consumes known.
func unknownItems(list []string, known map[string]int) []string {
	var out []string
	for _, p := range list {
		if known[p] > 0 {
			known[p]--
			continue
		}
		out = append(out, p)
	}
	return out
}

// known returns how many of each payload the consumer holds: taken and not
// yet gone (acknowledged, buried, returned or dropped).
func (l *leases) known() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := make(map[string]int)
	for _, b := range l.list {
		if b.left <= 0 {
			continue
		}
		for i := range b.state {
			if b.state[i].Load() != gone {
				m[b.items[i].Payload]++
			}
		}
	}
	return m
}
