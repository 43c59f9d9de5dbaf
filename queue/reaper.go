package queue

// reap returns the items of consumers whose heartbeat expired to the queue.
// Every consumer runs it with its heartbeat, so items of a dead consumer
// come back while any consumer of the queue lives.
func (r *run) reap() {
	if n, err := r.c.b.Reap(r.bg, r.c.o.Queue); err != nil {
		r.c.log.Warn("queue: reaper failed", "err", err)
	} else if n > 0 {
		r.c.log.Info("queue: redelivered the items of dead consumers", "items", n)
	}
}
