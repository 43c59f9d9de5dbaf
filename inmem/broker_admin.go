package inmem

import (
	"context"
	"slices"

	"abaco"
)

// Stats returns a snapshot of queue.
func (b *Broker) Stats(ctx context.Context, queue string) (abaco.QueueStats, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	now := b.now()
	s := abaco.QueueStats{Queue: queue, Depth: int64(len(q.waiting)), Dead: int64(len(q.dead)), Redelivered: q.redeliv}
	for _, c := range sortedKeys(q.beats) {
		bt := q.beats[c]
		cs := abaco.ConsumerStats{ID: c, Alive: bt.expires.After(now), InFlight: int64(len(q.leases[c]))}
		switch {
		case cs.InFlight == 0:
		case !bt.oldest.IsZero() && cs.Alive:
			cs.OldestLease = now.Sub(bt.oldest)
		default:
			cs.OldestUnknown = true
		}
		s.InFlight += cs.InFlight
		s.OldestAge = max(s.OldestAge, cs.OldestLease)
		s.OldestUnknown = s.OldestUnknown || cs.OldestUnknown
		s.Consumers = append(s.Consumers, cs)
	}
	return s, nil
}

// Dead returns up to limit dead letters, oldest first.
func (b *Broker) Dead(ctx context.Context, queue string, limit int) ([]abaco.DeadLetter, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.queue(queue).dead
	if limit > 0 && limit < len(d) {
		d = d[:limit]
	}
	return slices.Clone(d), nil
}

// Requeue moves up to limit dead letters back to the tail of queue.
func (b *Broker) Requeue(ctx context.Context, queue string, limit int) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	n := len(q.dead)
	if limit > 0 && limit < n {
		n = limit
	}
	for _, d := range q.dead[:n] {
		q.waiting = append(q.waiting, d.Payload)
		delete(q.attempts, d.Payload)
	}
	q.dead = slices.Clone(q.dead[n:])
	if n > 0 {
		q.wake()
	}
	return n, nil
}

// Purge deletes the waiting items and the dead letters of queue.
func (b *Broker) Purge(ctx context.Context, queue string) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	n := int64(len(q.waiting) + len(q.dead))
	q.waiting, q.dead = nil, nil
	return n, nil
}
