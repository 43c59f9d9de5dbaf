package queue

import (
	"context"
	"slices"
	"sync"
	"time"

	"abaco"
)

// workerCheckEvery is how long an answer to "does any worker consume the
// job queue?" is reused: a status read should not cost a Stats call, and a
// worker that starts is noticed within it.
const workerCheckEvery = time.Second

// workerCheck remembers the last answer of Jobs.noWorker.
type workerCheck struct {
	mu         sync.Mutex
	at         time.Time
	none       bool
	refreshing bool // a Stats call is on its way
}

// markNoWorker sets NoWorker on the queued jobs among jobs when no live
// worker consumes the job queue, so that a client learns why its job
// waits instead of waiting forever.
func (j *Jobs) markNoWorker(ctx context.Context, jobs []abaco.Job) {
	queued := func(job abaco.Job) bool { return job.State == abaco.JobQueued }
	if !slices.ContainsFunc(jobs, queued) || !j.noWorker(ctx) {
		return
	}
	for i := range jobs {
		jobs[i].NoWorker = queued(jobs[i])
	}
}

// noWorker reports whether the job queue has no live consumer. When the
// broker cannot tell, it answers false: a warning is only given when it
// is known to be true. One caller at a time asks the broker, outside the
// lock: the others take the last answer meanwhile (false before the
// first), so a slow Redis never holds every submission behind it.
func (j *Jobs) noWorker(ctx context.Context) bool {
	w := &j.workerCheck
	w.mu.Lock()
	if w.refreshing || (!w.at.IsZero() && time.Since(w.at) < workerCheckEvery) {
		defer w.mu.Unlock()
		return w.none
	}
	w.refreshing = true
	w.mu.Unlock()
	st, err := j.b.Stats(ctx, j.o.Queue)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refreshing = false
	if err != nil {
		return false
	}
	w.at = time.Now()
	w.none = !slices.ContainsFunc(st.Consumers, func(c abaco.ConsumerStats) bool { return c.Alive })
	return w.none
}
