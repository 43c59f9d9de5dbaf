package queue

import "context"

// reap returns the items of consumers whose heartbeat expired to the queue.
// Every consumer runs it with its heartbeat, so items of a dead consumer
// come back while any consumer of the queue lives.
func (r *run) reap(ctx context.Context) {
	if n, err := r.c.b.Reap(ctx, r.c.o.Queue); err != nil {
		r.c.log.Warn("queue: reaper failed", "err", err)
	} else if n > 0 {
		r.c.log.Info("queue: redelivered the items of dead consumers", "items", n)
	}
}
