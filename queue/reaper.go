package queue

import "context"

// reap returns the items of consumers whose heartbeat expired to the queue.
// Every consumer runs it with its heartbeat, so items of a dead consumer
// come back while any consumer of the queue lives.
func (r *run) reap(ctx context.Context) {
	n, err := r.c.b.Reap(ctx, r.c.o.Queue)
	if err != nil {
		r.reapLog.Fail(err)
		return
	}
	r.reapLog.OK()
	if n > 0 {
		r.c.m.redeliveredDied.Add(float64(n))
		r.c.log.Info("queue: redelivered the items of dead consumers", "items", n)
	}
}
