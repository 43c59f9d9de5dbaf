package queue

import (
	"cmp"
	"context"
	"sync"
	"time"

	"abaco"
)

// Concurrent submissions are sent to the broker together, as a database
// group-commits: a submission goes out at once when no call is in flight,
// and the ones that arrive meanwhile wait and go out together when a call
// returns, or sooner, in a call of their own, once they are minMergedJobs
// jobs. Redis's cost of a submit script is mostly per call, not per job,
// so under load merging is what makes job intake cheap; alone, a
// submission waits for nothing.
//
// With a single call in flight, every waiting request also waits out the
// rest of that call, and a server whose requests all wait on Redis sits
// idle. A second call as soon as anything waits was no faster: its
// smaller calls cost as much more per job as the shorter wait saved. A
// call of at least minMergedJobs jobs pays for itself (docs/benchmarks.md
// has the measurements).

// maxInFlightSubmits bounds the merged calls in flight at once, and
// minMergedJobs is the fewest jobs that start one while another is in
// flight. Whatever their number, a call still in flight after slowSubmit
// sends the submissions waiting behind it in a call of their own: a slow
// call (a durability barrier waiting for a paused replica) must not make
// them wait for it too. One timer per call, not per waiting submission,
// keeps the wait cheap. maxSlowCalls bounds the calls started so: past
// it, a Redis that stopped answering holds the submissions until a call
// returns (or times out) instead of adding a call every slowSubmit.
// maxMergedJobs bounds the jobs merged into one call.
const (
	maxInFlightSubmits = 3
	minMergedJobs      = 8
	slowSubmit         = 2 * time.Millisecond
	maxSlowCalls       = 32
	maxMergedJobs      = 1000
)

// submission is one SubmitBatch waiting for its merged broker call.
type submission struct {
	jobs []abaco.JobRecord
	err  error
	done chan struct{}
}

// coalescer merges the submissions of one Jobs service.
type coalescer struct {
	mu          sync.Mutex
	waiting     []*submission
	waitingJobs int // the jobs of waiting
	inFlight    int
	slow        time.Duration // when a call counts as slow: slowSubmit, unless a test set it
}

// submit sends jobs with the others waiting and returns the broker's
// verdict on them. With no call in flight, or when its jobs make the
// waiting ones enough for a call of their own, the caller sends them
// itself, without a goroutine's hop; otherwise it waits to be sent with
// the others. ctx bounds only that wait: a merged call runs on without it
// for the others, and a job whose caller gave up may still have been
// submitted, as when a reply is lost.
func (j *Jobs) submit(ctx context.Context, jobs []abaco.JobRecord) error {
	s := &submission{jobs: jobs, done: make(chan struct{})}
	c := &j.coalescer
	c.mu.Lock()
	c.waiting = append(c.waiting, s)
	c.waitingJobs += len(jobs)
	if c.inFlight == 0 || (c.inFlight < maxInFlightSubmits && c.waitingJobs >= minMergedJobs) {
		c.inFlight++
		batch, n := c.take()
		c.mu.Unlock()
		j.sendBatch(context.WithoutCancel(ctx), batch, n)
		// Those who arrived meanwhile go out together, on a goroutine
		// that inherits the slot, so that this caller returns now.
		c.mu.Lock()
		if len(c.waiting) > 0 {
			go j.sendMerged()
		} else {
			c.inFlight--
		}
		c.mu.Unlock()
		// Done already, unless the batch was full before reaching s:
		// then the sender just started has it.
		<-s.done
		return s.err
	}
	c.mu.Unlock()
	select {
	case <-s.done:
		return s.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// take removes the first waiting submissions, up to maxMergedJobs jobs
// (at least one submission, if any waits), and returns them with their
// number of jobs. c.mu must be held.
func (c *coalescer) take() ([]*submission, int) {
	n, jobs := 0, 0
	for n < len(c.waiting) && (n == 0 || jobs+len(c.waiting[n].jobs) <= maxMergedJobs) {
		jobs += len(c.waiting[n].jobs)
		n++
	}
	batch := c.waiting[:n:n]
	c.waiting = c.waiting[n:]
	c.waitingJobs -= jobs
	return batch, jobs
}

// sendMerged sends the waiting submissions, in merged calls, until none
// waits, and then gives up its slot. The calls carry the jobs of many
// requests, so no request's context.
func (j *Jobs) sendMerged() {
	ctx := context.Background()
	c := &j.coalescer
	for {
		c.mu.Lock()
		batch, n := c.take()
		if len(batch) == 0 {
			c.inFlight--
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		j.sendBatch(ctx, batch, n)
	}
}

// sendBatch submits the jobs of batch in one broker call. A merged call
// refused at the bound is all or nothing, so it is sent again one
// submission at a time: each is then accepted or refused on its own, as
// it would have been alone.
func (j *Jobs) sendBatch(ctx context.Context, batch []*submission, n int) {
	ctx, cancel := context.WithTimeout(ctx, submitTimeout)
	defer cancel()
	slow := time.AfterFunc(cmp.Or(j.coalescer.slow, slowSubmit), j.unstick)
	defer slow.Stop()
	finish := func(s *submission, err error) { s.err = err; close(s.done) }
	if len(batch) == 1 {
		finish(batch[0], j.brokerSubmit(ctx, batch[0].jobs))
		return
	}
	all := make([]abaco.JobRecord, 0, n)
	for _, s := range batch {
		all = append(all, s.jobs...)
	}
	err := j.brokerSubmit(ctx, all)
	if abaco.ErrorCode(err) != abaco.CodeQueueFull {
		for _, s := range batch {
			finish(s, err)
		}
		return
	}
	for _, s := range batch {
		finish(s, j.brokerSubmit(ctx, s.jobs))
	}
}

// submitTimeout bounds a merged call, which no request's context does.
const submitTimeout = 10 * time.Second

// brokerSubmit submits jobs without an idempotency key, with scores taken
// now, so that the scores of a merged call are consecutive.
func (j *Jobs) brokerSubmit(ctx context.Context, jobs []abaco.JobRecord) error {
	_, err := j.b.SubmitJobs(ctx, j.o.Queue, abaco.JobSubmission{Jobs: jobs, Limit: int64(j.o.MaxQueued),
		Score: j.scores.next(time.Now().UnixMilli(), len(jobs)), Recent: int64(j.o.Recent)})
	return err
}

// unstick sends the waiting submissions in a call of their own, in the
// slot it takes, when a call has been in flight for slowSubmit.
func (j *Jobs) unstick() {
	c := &j.coalescer
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.waiting) > 0 && c.inFlight < maxInFlightSubmits+maxSlowCalls {
		c.inFlight++
		go j.sendMerged()
	}
}
