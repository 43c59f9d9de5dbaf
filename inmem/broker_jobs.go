package inmem

import (
	"context"
	"slices"
	"sort"
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

// SubmitJobs stores the records and queues their ids, all under one lock
// as the Redis broker's one script. The embedded broker has no replicas,
// so it has no durability barrier (rdb.Durability): abaco serve refuses
// --jobs-durability without Redis rather than ignore it.
func (b *Broker) SubmitJobs(ctx context.Context, queue string, s abaco.JobSubmission) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if s.IdemKey != "" {
		if r, ok := b.idem[jobKey{queue, s.IdemKey}]; ok && r.live(now) {
			return string(r.data), nil
		}
	}
	q := b.queue(queue)
	if s.Limit > 0 && int64(len(q.waiting)+len(s.Jobs)) > s.Limit {
		return "", abaco.Errorf(abaco.CodeQueueFull, "the job queue %s holds %d waiting jobs, its bound; retry later", queue, s.Limit)
	}
	if s.IdemKey != "" {
		b.idem[jobKey{queue, s.IdemKey}] = jobRecord{data: []byte(s.IdemValue), expires: now.Add(s.IdemTTL).UnixNano()}
	}
	for i, j := range s.Jobs {
		b.saveJob(queue, j.ID, j.Record, j.TTL)
		q.waiting = append(q.waiting, j.ID)
		if s.Recent > 0 {
			b.recent[queue] = append(b.recent[queue], recentEntry{id: j.ID, score: s.Score + int64(i)})
		}
	}
	if s.Recent > 0 {
		b.keep[queue] = s.Recent
		// Trimmed once the index holds twice what it keeps, so that a
		// submission costs no copy of the whole index; RecentJobs reads
		// only the newest Recent entries.
		if r := b.recent[queue]; int64(len(r)) > 2*s.Recent {
			b.recent[queue] = slices.Clone(r[int64(len(r))-s.Recent:])
		}
	}
	q.wake()
	return "", nil
}

// LoadJobs returns the records of ids, nil where there is none.
func (b *Broker) LoadJobs(ctx context.Context, queue string, ids []string) ([][]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([][]byte, len(ids))
	now := b.now()
	for i, id := range ids {
		if r, ok := b.jobs[jobKey{queue, id}]; ok && r.live(now) {
			out[i] = slices.Clone(r.data)
		}
	}
	return out, nil
}

// FinishJobs stores the records and calls the queue's watchers with their
// ids, after the lock is released.
func (b *Broker) FinishJobs(ctx context.Context, queue string, jobs []abaco.JobRecord) error {
	if len(jobs) == 0 {
		return nil
	}
	ids := make([]string, len(jobs))
	b.mu.Lock()
	for i, j := range jobs {
		b.saveJob(queue, j.ID, j.Record, j.TTL)
		ids[i] = j.ID
	}
	ws := b.watchersOf(queue)
	b.mu.Unlock()
	for _, w := range ws {
		w.finished(ids)
	}
	return nil
}

// recentEntry is one entry of the index of recent jobs: smaller than an
// abaco.RecentJob, since a full queue holds one per waiting job.
type recentEntry struct {
	id    string
	score int64
}

// watcher is one WatchJobs call.
type watcher struct{ finished func(ids []string) }

// WatchJobs calls finished for every FinishJobs of queue until ctx ends.
// The subscription is in process and cannot be lost, so subscribed is
// called once, when it starts.
func (b *Broker) WatchJobs(ctx context.Context, queue string, subscribed func(), finished func(ids []string)) error {
	w := &watcher{finished: finished}
	b.mu.Lock()
	if b.watchers[queue] == nil {
		b.watchers[queue] = map[*watcher]struct{}{}
	}
	b.watchers[queue][w] = struct{}{}
	b.mu.Unlock()
	subscribed()
	<-ctx.Done()
	b.mu.Lock()
	delete(b.watchers[queue], w)
	b.mu.Unlock()
	return ctx.Err()
}

// CancelJob removes id from the waiting items and stores record when it
// was there, then tells the queue's watchers.
func (b *Broker) CancelJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration) (bool, error) {
	b.mu.Lock()
	q := b.queue(queue)
	i := slices.Index(q.waiting, id)
	if i < 0 {
		b.mu.Unlock()
		return false, nil
	}
	q.waiting = slices.Delete(q.waiting, i, i+1)
	b.saveJob(queue, id, record, ttl)
	ws := b.watchersOf(queue)
	b.mu.Unlock()
	for _, w := range ws {
		w.finished([]string{id})
	}
	return true, nil
}

// watchersOf returns the WatchJobs callbacks of queue. b.mu must be held;
// the caller calls them after releasing it.
func (b *Broker) watchersOf(queue string) []*watcher {
	ws := make([]*watcher, 0, len(b.watchers[queue]))
	for w := range b.watchers[queue] {
		ws = append(ws, w)
	}
	return ws
}

// RecentJobs returns the newest entries of the index below before.
func (b *Broker) RecentJobs(ctx context.Context, queue string, before int64, limit int) ([]abaco.RecentJob, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	// The index is kept in submission order, which one process's clock
	// makes score order too; sorting a copy keeps to the contract anyway.
	r := b.recent[queue]
	if keep := b.keep[queue]; int64(len(r)) > keep {
		r = r[int64(len(r))-keep:]
	}
	r = slices.Clone(r)
	sort.SliceStable(r, func(i, j int) bool {
		if r[i].score != r[j].score {
			return r[i].score > r[j].score
		}
		return r[i].id > r[j].id
	})
	var out []abaco.RecentJob
	for _, e := range r {
		if len(out) >= limit {
			break
		}
		if before > 0 && e.score >= before {
			continue
		}
		j := abaco.RecentJob{ID: e.id, Score: e.score}
		if rec, ok := b.jobs[jobKey{queue, e.id}]; ok && rec.live(now) {
			j.Record = slices.Clone(rec.data)
		}
		out = append(out, j)
	}
	return out, nil
}
