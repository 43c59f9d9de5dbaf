package inmem

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"abaco"
)

// Broker is the embedded abaco.Broker: the same reliable list queue as the
// Redis broker, in process, for a server run without Redis. It is safe for
// concurrent use. Nothing survives the process, so "redelivery after a
// crash" only matters between consumers of one process; it still follows
// the contract (heartbeats, reaping, dead letters) so the same suite
// checks both brokers.
type Broker struct {
	now func() time.Time

	mu     sync.Mutex
	queues map[string]*queueState
	jobs   map[jobKey]jobRecord
	swept  time.Time
	// idem holds the idempotency keys of SubmitJobs; recent the index of
	// recent jobs; watchers the WatchJobs callbacks, by queue.
	idem     map[jobKey]jobRecord
	recent   map[string][]recentEntry
	keep     map[string]int64 // the Recent of the last SubmitJobs, by queue
	watchers map[string]map[*watcher]struct{}
}

type queueState struct {
	waiting  []string
	leases   map[string][]string // consumer -> processing list, oldest first
	beats    map[string]beat     // registered consumers
	attempts map[string]int      // failed or redelivered attempts per payload
	dead     []abaco.DeadLetter
	redeliv  abaco.Redeliveries
	// reaped holds the consumers a reaper handed items back from, until
	// their next heartbeat tells them.
	reaped map[string]bool
	// pushed is closed (and replaced) whenever items become available, to
	// wake blocked takers without polling.
	pushed chan struct{}
}

type beat struct {
	expires time.Time
	oldest  time.Time
}

var _ abaco.Broker = (*Broker)(nil)

// NewBroker returns an empty embedded broker.
func NewBroker() *Broker {
	return &Broker{now: time.Now, queues: map[string]*queueState{}, jobs: map[jobKey]jobRecord{},
		idem: map[jobKey]jobRecord{}, recent: map[string][]recentEntry{}, keep: map[string]int64{}, watchers: map[string]map[*watcher]struct{}{}}
}

// queue returns the state of name, creating it. b.mu must be held.
func (b *Broker) queue(name string) *queueState {
	q := b.queues[name]
	if q == nil {
		q = &queueState{
			leases:   map[string][]string{},
			beats:    map[string]beat{},
			attempts: map[string]int{},
			reaped:   map[string]bool{},
			pushed:   make(chan struct{}),
		}
		b.queues[name] = q
	}
	return q
}

// wake wakes every blocked taker of q. b.mu must be held.
func (q *queueState) wake() {
	close(q.pushed)
	q.pushed = make(chan struct{})
}

// Push appends payloads to the tail of queue.
func (b *Broker) Push(ctx context.Context, queue string, payloads ...string) error {
	if len(payloads) == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	q.waiting = append(q.waiting, payloads...)
	q.wake()
	return nil
}

// Take leases up to max items, blocking up to wait when the queue is empty.
func (b *Broker) Take(ctx context.Context, queue, consumer string, max int, wait time.Duration) ([]abaco.Item, error) {
	if max <= 0 {
		max = 1
	}
	var timer <-chan time.Time
	for {
		b.mu.Lock()
		q := b.queue(queue)
		if n := min(max, len(q.waiting)); n > 0 {
			taken := slices.Clone(q.waiting[:n])
			q.waiting = q.waiting[n:]
			q.leases[consumer] = append(q.leases[consumer], taken...)
			// Taking registers the consumer (as the Redis script does), so
			// its items are found by Stats and, without heartbeats, reaped.
			if _, ok := q.beats[consumer]; !ok {
				q.beats[consumer] = beat{}
			}
			items := make([]abaco.Item, n)
			for i, p := range taken {
				items[i] = abaco.Item{Payload: p, Attempts: q.attempts[p] + 1}
			}
			b.mu.Unlock()
			return items, nil
		}
		pushed := q.pushed
		b.mu.Unlock()
		if wait <= 0 {
			return nil, nil
		}
		if timer == nil {
			t := time.NewTimer(wait)
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-pushed:
		case <-timer:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// removeOne removes the first occurrence of p from list and reports
// whether it was there.
func removeOne(list []string, p string) ([]string, bool) {
	i := slices.Index(list, p)
	if i < 0 {
		return list, false
	}
	return slices.Delete(list, i, i+1), true
}

// Ack removes payloads from consumer's processing list and returns how
// many it removed.
func (b *Broker) Ack(ctx context.Context, queue, consumer string, payloads ...string) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	removed := 0
	for _, p := range payloads {
		var ok bool
		if q.leases[consumer], ok = removeOne(q.leases[consumer], p); ok {
			delete(q.attempts, p)
			removed++
		}
	}
	q.redeliv.LeaseLost += int64(len(payloads) - removed)
	return removed, nil
}

// Fail counts a failed attempt of payload.
func (b *Broker) Fail(ctx context.Context, queue, payload string) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	q.attempts[payload]++
	q.redeliv.HandlerError++
	return q.attempts[payload] + 1, nil
}

// Return moves payloads from consumer's processing list back to the head.
func (b *Broker) Return(ctx context.Context, queue, consumer string, payloads ...string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	back := make([]string, 0, len(payloads))
	for _, p := range payloads {
		var ok bool
		if q.leases[consumer], ok = removeOne(q.leases[consumer], p); ok {
			back = append(back, p)
		}
	}
	q.unshift(back, false)
	return nil
}

// unshift puts items back at the head of the queue in order, counting an
// attempt for each when redelivered. b.mu must be held.
func (q *queueState) unshift(items []string, redelivered bool) {
	if len(items) == 0 {
		return
	}
	if redelivered {
		for _, p := range items {
			q.attempts[p]++
		}
	}
	q.waiting = append(slices.Clone(items), q.waiting...)
	q.wake()
}

// Bury moves payload from consumer's processing list to the dead letters.
func (b *Broker) Bury(ctx context.Context, queue, consumer string, d abaco.DeadLetter) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	var ok bool
	if q.leases[consumer], ok = removeOne(q.leases[consumer], d.Payload); !ok {
		q.redeliv.LeaseLost++
		return false, nil
	}
	delete(q.attempts, d.Payload)
	if d.At.IsZero() {
		d.At = b.now()
	}
	q.dead = append(q.dead, d)
	return true, nil
}

// Heartbeat registers consumer and keeps it alive for ttl; it reports
// whether a reaper handed back the consumer's items since the last one.
func (b *Broker) Heartbeat(ctx context.Context, queue, consumer string, ttl time.Duration, oldestLease time.Time) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	q.beats[consumer] = beat{expires: b.now().Add(ttl), oldest: oldestLease}
	reaped := q.reaped[consumer]
	delete(q.reaped, consumer)
	return reaped, nil
}

// Leave returns consumer's processing list to the head and unregisters it.
func (b *Broker) Leave(ctx context.Context, queue, consumer string) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	items := q.leases[consumer]
	delete(q.leases, consumer)
	delete(q.beats, consumer)
	delete(q.reaped, consumer)
	q.unshift(items, false)
	return len(items), nil
}

// Leased returns a copy of consumer's processing list.
func (b *Broker) Leased(ctx context.Context, queue, consumer string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.queue(queue).leases[consumer]), nil
}

// Reap returns the items of consumers whose heartbeat expired.
func (b *Broker) Reap(ctx context.Context, queue string) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	now := b.now()
	n := 0
	for _, c := range sortedKeys(q.beats) {
		if q.beats[c].expires.After(now) {
			continue
		}
		items := q.leases[c]
		delete(q.leases, c)
		delete(q.beats, c)
		q.unshift(items, true)
		if len(items) > 0 {
			q.reaped[c] = true
			q.redeliv.ConsumerDied += int64(len(items))
		}
		n += len(items)
	}
	return n, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
