package queue

import (
	"context"
	"sync"
	"time"

	"abaco"
	"abaco/internal/backoff"
	"abaco/internal/outage"
)

// waiters holds the Wait calls of one Jobs service, by the ids they wait
// for. Listen feeds it from the broker's announcements of finished jobs:
// one subscription per process, however many requests wait.
type waiters struct {
	mu   sync.Mutex
	byID map[string]map[chan struct{}]struct{}
	// listening counts the Listen calls running: while one runs, a
	// waiter is woken when the subscription comes up, even if it is not
	// up yet.
	listening int
	// unheard warns, once, of a Wait with no Listen running.
	unheard sync.Once
}

// add registers ch for each id.
func (w *waiters) add(ids []string, ch chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byID == nil {
		w.byID = map[string]map[chan struct{}]struct{}{}
	}
	for _, id := range ids {
		set := w.byID[id]
		if set == nil {
			set = map[chan struct{}]struct{}{}
			w.byID[id] = set
		}
		set[ch] = struct{}{}
	}
}

// remove unregisters ch from each id.
func (w *waiters) remove(ids []string, ch chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range ids {
		if set := w.byID[id]; set != nil {
			delete(set, ch)
			if len(set) == 0 {
				delete(w.byID, id)
			}
		}
	}
}

// wake signals the waiters of ids.
func (w *waiters) wake(ids []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range ids {
		for ch := range w.byID[id] {
			signal(ch)
		}
	}
}

// wakeAll wakes every waiter, when the subscription (re)starts:
// announcements made while it was down are lost, so each waiter reads its
// records again.
func (w *waiters) wakeAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, set := range w.byID {
		for ch := range set {
			signal(ch)
		}
	}
}

// listen records that a Listen call starts (+1) or ends (-1).
func (w *waiters) listen(delta int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.listening += delta
}

func (w *waiters) isListening() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.listening > 0
}

// signal sends on a channel of capacity one without blocking: a waiter
// that has a wake pending needs no second one.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Listen subscribes to the broker's announcements of finished jobs and
// wakes the Wait calls of this service with them, until ctx ends. While
// the broker is unreachable it retries, and Wait calls then last their
// full wait, since no finish can reach them, unless they find their jobs
// finished when they start. abaco serve runs it beside the HTTP server.
func (j *Jobs) Listen(ctx context.Context) {
	j.waiters.listen(1)
	j.listen(ctx)
}

// StartListen runs Listen on a goroutine of its own and returns a channel
// closed when it ends. It counts as listening before it returns, so a wait
// that arrives right after it (a server's first request) is held until
// the subscription comes up rather than answered at once.
func (j *Jobs) StartListen(ctx context.Context) <-chan struct{} {
	j.waiters.listen(1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		j.listen(ctx)
	}()
	return done
}

// listen is Listen once it counts as listening.
func (j *Jobs) listen(ctx context.Context) {
	defer j.waiters.listen(-1)
	log := outage.New(j.log, "jobs: watch", 0)
	for attempt := 2; ctx.Err() == nil; attempt++ {
		err := j.b.WatchJobs(ctx, j.o.Queue, func() {
			attempt = 1
			j.waiters.wakeAll()
		}, j.waiters.wake)
		if ctx.Err() != nil {
			return
		}
		log.Fail(err)
		if !sleep(ctx, backoff.Exp(DefaultMinBackoff, time.Second, attempt-1)) {
			return
		}
	}
}

// Wait returns the jobs with ids, as Jobs does, once each is finished or
// unknown, or when ctx ends. It is woken by the announcements that Listen
// receives, and reads the records again only then, or when Listen's
// subscription (re)starts: a wait that begins before the subscription is
// up (a server just started, or Redis away) is woken when it comes up.
// Without Listen running it cannot be woken, so it answers at once.
func (j *Jobs) Wait(ctx context.Context, ids []string) ([]abaco.Job, error) {
	if !j.waiters.isListening() {
		j.waiters.unheard.Do(func() {
			j.log.Warn("queue: a wait answers at once, since no Listen runs to hear the jobs finish; run Jobs.Listen beside the server")
		})
		return j.Jobs(ctx, ids)
	}
	ch := make(chan struct{}, 1)
	// Registering before reading means a finish between the read and the
	// wait still wakes it.
	j.waiters.add(ids, ch)
	defer j.waiters.remove(ids, ch)
	pending, index := ids, make([]int, len(ids))
	for i := range index {
		index[i] = i
	}
	jobs := make([]abaco.Job, len(ids))
	for {
		// Only the jobs still pending are read again: a finished one
		// cannot change, and a wait on a large batch is woken once per
		// finished batch of its jobs.
		got, err := j.Jobs(ctx, pending)
		if err != nil {
			if ctx.Err() != nil {
				// The wait ended during the read: read once more, so
				// that the end of a wait is an answer, not an error.
				got, err = j.Jobs(context.WithoutCancel(ctx), pending)
			}
			if err != nil {
				return nil, err
			}
		}
		pending, index = settle(jobs, index, got, pending)
		if len(pending) == 0 || ctx.Err() != nil {
			return jobs, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return jobs, nil
		}
	}
}

// settle stores the jobs just read, got, for the ids pending (at the
// positions index of jobs), and returns the ids still pending with their
// positions.
func settle(jobs []abaco.Job, index []int, got []abaco.Job, pending []string) ([]string, []int) {
	var still []string
	var at []int
	for k, job := range got {
		jobs[index[k]] = job
		if job.State != "" && !job.State.Finished() {
			still = append(still, pending[k])
			at = append(at, index[k])
		}
	}
	return still, at
}
