package queue

import "time"

// The run's two background loops: batched acknowledgements, and the
// heartbeat with the reaper.

// ack acknowledges finished tasks in batches: whatever piled up while the
// previous batch was in flight goes in the next round trip.
func (r *run) ack() {
	defer close(r.ackerDone)
	o := r.c.o
	batch := make([]task, 0, 1024)
	payloads := make([]string, 0, 1024)
	for t := range r.acks {
		batch = append(batch[:0], t)
	drain:
		for len(batch) < cap(batch) {
			select {
			case t, ok := <-r.acks:
				if !ok {
					break drain
				}
				batch = append(batch, t)
			default:
				break drain
			}
		}
		payloads = payloads[:0]
		for _, t := range batch {
			payloads = append(payloads, t.it.Payload)
		}
		var err error
		if o.BeforeAck != nil {
			err = o.BeforeAck()
		}
		for try := 1; err == nil && try <= 3; try++ {
			if err = r.c.b.Ack(r.bg, o.Queue, o.ID, payloads...); err == nil {
				break
			}
			sleep(r.bg, o.backoff(try+1))
		}
		if err != nil {
			// Not acknowledged: they are redelivered later, which
			// at-least-once allows.
			r.c.log.Error("queue: ack failed", "items", len(batch), "err", err)
		}
		for _, t := range batch {
			r.c.m.processed.Inc()
			r.finished(t)
		}
	}
}

// heartbeat refreshes the consumer's liveness and runs the reaper, at
// once and then every Heartbeat.
func (r *run) heartbeat() {
	defer r.beats.Done()
	o := r.c.o
	tick := time.NewTicker(o.Heartbeat)
	defer tick.Stop()
	for {
		// r.bg, not r.ctx: a heartbeat cancelled at shutdown could still
		// land after Leave and make the consumer look alive.
		if err := r.c.b.Heartbeat(r.bg, o.Queue, o.ID, o.HeartbeatTTL, r.leases.oldest()); err != nil {
			r.c.log.Warn("queue: heartbeat failed", "err", err)
		}
		if n, err := r.c.b.Reap(r.bg, o.Queue); err != nil {
			r.c.log.Warn("queue: reaper failed", "err", err)
		} else if n > 0 {
			r.c.log.Info("queue: redelivered the items of dead consumers", "items", n)
		}
		r.c.m.observeQueue(r.bg, r.c.b)
		select {
		case <-r.ctx.Done():
			return
		case <-tick.C:
		}
	}
}
