package queue

// fence runs when a heartbeat reports that a reaper handed this consumer's
// items back to the queue (its heartbeat had expired while it was cut
// off): other consumers may be processing them already. It drops the items
// no worker has started, without telling the broker (they are in the queue
// again, or, if taken after the reap, still in this consumer's list, where
// the reconciliation it asks for finds and returns them), and moves to a
// new epoch, so that items waiting for a retry are dropped too. Items
// running now finish; their acknowledgement reports the ones whose lease
// was lost, which are counted as such rather than as processed.
func (r *run) fence() {
	r.epoch.Add(1)
	dropped := r.leases.unstarted()
	for _, t := range dropped {
		r.finished(t)
	}
	r.reconcileNow.Store(true)
	r.c.log.Warn("queue: this consumer was reaped while cut off from the broker; dropped the items not started",
		"dropped", len(dropped))
}

// stale reports whether t was leased before the latest fence, so that its
// lease may have been handed to another consumer.
func (r *run) stale(t task) bool {
	return t.lease.epoch != r.epoch.Load()
}
