package queue

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
