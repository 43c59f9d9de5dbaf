package inmem

import (
	"context"
	"slices"
	"time"

	"abaco"
)

// jobKey addresses a job record: its queue and its id.
type jobKey struct{ queue, id string }

// jobRecord is a stored job record. The expiry is unix nanoseconds rather
// than a time.Time (8 bytes instead of 24), since a flood of queued jobs
// is mostly this struct.
type jobRecord struct {
	data    []byte
	expires int64
}

// live reports whether r has not expired at now.
func (r jobRecord) live(now time.Time) bool { return r.expires > now.UnixNano() }

// SaveJob stores a job record for ttl.
func (b *Broker) SaveJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.saveJob(queue, id, record, ttl)
	return nil
}

// saveJob stores a record. b.mu must be held.
func (b *Broker) saveJob(queue, id string, record []byte, ttl time.Duration) {
	now := b.now()
	// Expired records are dropped lazily on read and swept here at most
	// once a minute, so memory stays bounded without a goroutine.
	if now.Sub(b.swept) > time.Minute {
		for k, r := range b.jobs {
			if !r.live(now) {
				delete(b.jobs, k)
			}
		}
		b.swept = now
	}
	b.jobs[jobKey{queue, id}] = jobRecord{data: slices.Clone(record), expires: now.Add(ttl).UnixNano()}
}

// LoadJob returns the record stored under id, or not_found.
func (b *Broker) LoadJob(ctx context.Context, queue, id string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.jobs[jobKey{queue, id}]
	if !ok || !r.live(b.now()) {
		delete(b.jobs, jobKey{queue, id})
		return nil, abaco.Errorf(abaco.CodeNotFound, "job %q not found", id)
	}
	return slices.Clone(r.data), nil
}

// SubmitJob stores a job record and queues its id unless the queue holds
// limit or more waiting items; both happen under one lock, as the Redis
// broker's one script. The embedded broker has no replicas, so it has no
// durability barrier (rdb.Durability): abaco serve refuses
// --jobs-durability without Redis rather than ignore it.
func (b *Broker) SubmitJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration, limit int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue(queue)
	if limit > 0 && int64(len(q.waiting)) >= limit {
		return abaco.Errorf(abaco.CodeQueueFull, "the job queue %s holds %d waiting jobs, its bound; retry later", queue, limit)
	}
	b.saveJob(queue, id, record, ttl)
	q.waiting = append(q.waiting, id)
	q.wake()
	return nil
}
