package queue

import "time"

// maxAckBatch bounds the payloads of one Ack call.
const maxAckBatch = 1024

// finalAckWait bounds how long the acker keeps retrying once shutdown has
// begun: what is still unacknowledged then stays leased, and Leave (or
// another consumer's reaper) returns it to the queue.
const finalAckWait = 3 * time.Second

// ack acknowledges finished tasks in batches: whatever piled up while the
// previous batch was in flight goes in the next round trip. A failed Ack
// is retried until the broker answers (or, at shutdown, for finalAckWait):
// dropping it would leave processed items leased, to be delivered again.
// The backlog needs no bound of its own: a task keeps its leasing token
// until it is acknowledged, so while acks fail the taker runs out of
// tokens and stops taking.
func (r *run) ack() {
	defer close(r.ackerDone)
	var (
		pending []task // finished and not acknowledged, oldest first
		flushed int    // how many of pending have passed BeforeAck
		fails   int
		giveUp  time.Time // when shutdown stops the retries
		open    = true
	)
	payloads := make([]string, 0, maxAckBatch)
	for open || len(pending) > 0 {
		if len(pending) == 0 {
			t, ok := <-r.acks
			if !ok {
				return
			}
			pending = append(pending, t)
		}
	drain:
		for open {
			select {
			case t, ok := <-r.acks:
				if !ok {
					open = false
					break drain
				}
				pending = append(pending, t)
			default:
				break drain
			}
		}
		if flushed < len(pending) {
			if err := r.beforeAck(); err != nil {
				// As Options.BeforeAck documents: not acknowledged, so
				// delivered again later.
				r.c.log.Error("queue: before ack failed; the items stay leased", "items", len(pending)-flushed, "err", err)
				for _, t := range pending[flushed:] {
					r.finished(t)
				}
				pending = pending[:flushed]
				continue
			}
			flushed = len(pending)
		}
		n := min(len(pending), maxAckBatch)
		payloads = payloads[:0]
		for _, t := range pending[:n] {
			payloads = append(payloads, t.it.Payload)
		}
		removed, err := r.c.b.Ack(r.bg, r.c.o.Queue, r.c.o.ID, payloads...)
		if err == nil {
			r.ackLog.OK()
			r.acked(pending[:n], removed, fails > 0)
			fails = 0
			pending = append(pending[:0], pending[n:]...)
			flushed -= n
			continue
		}
		fails++
		if r.ctx.Err() != nil {
			if giveUp.IsZero() {
				giveUp = time.Now().Add(finalAckWait)
			}
			if time.Now().After(giveUp) {
				r.c.log.Error("queue: ack failed at shutdown; the items stay leased until leave or a reaper returns them",
					"items", len(pending), "err", err)
				for _, t := range pending {
					r.finished(t)
				}
				pending, flushed = pending[:0], 0
				continue
			}
		}
		r.ackLog.Fail(err, "items", len(pending))
		sleep(r.bg, retryWait(fails))
	}
}

// acked accounts for a batch the broker acknowledged, of which it found
// removed items still leased. The others were reaped while this consumer
// was cut off: processed here and handed to another consumer too, so they
// count as lease lost, not processed. After a failed try that may have
// run (its reply lost), missing items were most likely removed by that
// try, so they count as processed.
func (r *run) acked(batch []task, removed int, retried bool) {
	lost := len(batch) - removed
	if retried || lost < 0 {
		lost = 0
	}
	if lost > 0 {
		r.c.log.Warn("queue: acknowledged items this consumer no longer held (reaped while it was cut off)", "items", lost)
	}
	r.c.m.processed.Add(float64(len(batch) - lost))
	r.c.m.redeliveredLeaseLost.Add(float64(lost))
	for _, t := range batch {
		r.finished(t)
	}
}

// beforeAck runs Options.BeforeAck, if set.
func (r *run) beforeAck() error {
	if r.c.o.BeforeAck == nil {
		return nil
	}
	return r.c.o.BeforeAck()
}
