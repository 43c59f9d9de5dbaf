package queue_test

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/inmem"
	"abaco/internal/brokertest"
	"abaco/internal/syncbuf"
	"abaco/queue"
)

// newJobs returns a job service on b for the test, with Listen running,
// and a function that starts its workers.
func newJobs(t *testing.T, b abaco.Broker, o queue.JobOptions) (*queue.Jobs, func()) {
	t.Helper()
	o.Queue = brokertest.Queue(t)
	o.ResultTTL = time.Minute
	o.Heartbeat = 50 * time.Millisecond
	o.Logger = fast(t, "").Logger
	jobs := queue.NewJobs(b, cache.New(expr.New(expr.DefaultLimits()), cache.Options{}), o)
	ctx, cancel := context.WithCancel(context.Background())
	listening := jobs.StartListen(ctx)
	var running chan error
	t.Cleanup(func() {
		cancel()
		<-listening
		if running != nil {
			<-running
		}
	})
	return jobs, func() {
		running = make(chan error, 1)
		go func() { running <- jobs.Run(ctx, 2) }()
	}
}

// waitLive waits until a Wait call can be woken: Listen has subscribed.
// A job that is not queued anywhere is unknown, so Wait returns at once;
// the way to observe the subscription is a Wait that blocks.
func waitLive(t *testing.T, jobs *queue.Jobs, id string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		start := time.Now()
		_, err := jobs.Wait(ctx, []string{id})
		cancel()
		if err == nil && time.Since(start) >= 20*time.Millisecond {
			return
		}
	}
	t.Fatal("Listen did not subscribe within 5s")
}

func TestJobsWait(t *testing.T) {
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			jobs, run := newJobs(t, b, queue.JobOptions{})
			job, err := jobs.Submit(ctx, "6*7")
			if err != nil {
				t.Fatal(err)
			}
			waitLive(t, jobs, job.ID)

			// No worker runs: the wait ends with its context, queued.
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			got, err := jobs.Wait(short, []string{job.ID})
			cancel()
			if err != nil || got[0].State != abaco.JobQueued {
				t.Fatalf("Wait without workers = %+v, %v; want queued", got, err)
			}

			// An unknown id does not hold a wait.
			got, err = jobs.Wait(ctx, []string{"unknown"})
			if err != nil || got[0].State != "" || got[0].ID != "unknown" {
				t.Fatalf("Wait(unknown) = %+v, %v", got, err)
			}

			done := make(chan []abaco.Job, 1)
			go func() {
				got, _ := jobs.Wait(ctx, []string{job.ID})
				done <- got
			}()
			run()
			select {
			case got := <-done:
				if got[0].State != abaco.JobDone || got[0].Result.Value != "42" {
					t.Fatalf("Wait after the workers started = %+v", got[0])
				}
				if got[0].UpdatedAt.Before(got[0].CreatedAt) {
					t.Fatalf("finished before it was queued: %+v", got[0])
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Wait was not woken by the job's completion")
			}
		})
	}
}

func TestJobsSubmitBatch(t *testing.T) {
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			jobs, run := newJobs(t, b, queue.JobOptions{MaxQueued: 4})
			exprs := []string{"1+1", "2**64", "1/0"}
			first, err := jobs.SubmitBatch(ctx, exprs, abaco.SubmitOptions{IdempotencyKey: "k1"})
			if err != nil || len(first) != 3 {
				t.Fatalf("SubmitBatch = %+v, %v", first, err)
			}
			again, err := jobs.SubmitBatch(ctx, exprs, abaco.SubmitOptions{IdempotencyKey: "k1"})
			if err != nil || !slices.EqualFunc(first, again, func(a, b abaco.Job) bool { return a.ID == b.ID }) {
				t.Fatalf("a repeated key = %+v, %v; want the first call's jobs", again, err)
			}
			if _, err := jobs.SubmitBatch(ctx, exprs[:2], abaco.SubmitOptions{IdempotencyKey: "k1"}); abaco.ErrorCode(err) != abaco.CodeIdempotencyMismatch {
				t.Fatalf("the key with other expressions: %v, want idempotency_mismatch", err)
			}
			// Three wait; two more do not fit under the bound of four, and
			// neither is queued.
			if _, err := jobs.SubmitBatch(ctx, []string{"1", "2"}, abaco.SubmitOptions{}); abaco.ErrorCode(err) != abaco.CodeQueueFull {
				t.Fatalf("a batch over the bound: %v, want queue_full", err)
			}
			if _, err := jobs.Submit(ctx, "3"); err != nil {
				t.Fatalf("one job under the bound: %v", err)
			}
			waitLive(t, jobs, first[0].ID)
			run()
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			got, err := jobs.Wait(wctx, []string{first[0].ID, first[1].ID, first[2].ID})
			if err != nil {
				t.Fatal(err)
			}
			var states []string
			for _, j := range got {
				states = append(states, string(j.State))
			}
			if want := []string{"done", "done", "failed"}; !slices.Equal(states, want) {
				t.Fatalf("states = %v, want %v", states, want)
			}
			if got[1].Result.Value != "18446744073709551616" || got[2].Err.Code != abaco.CodeDivisionByZero {
				t.Fatalf("results = %+v, %+v", got[1].Result, got[2].Err)
			}
		})
	}
}

func TestJobsListAndCancel(t *testing.T) {
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			jobs, run := newJobs(t, b, queue.JobOptions{})
			var ids []string
			for _, e := range []string{"1", "2", "3"} {
				job, err := jobs.Submit(ctx, e)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, job.ID)
			}
			batch, err := jobs.SubmitBatch(ctx, []string{"4", "5"}, abaco.SubmitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, batch[0].ID, batch[1].ID)

			// Pages of two, newest first, until Next is empty.
			var listed []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatal("the listing does not end")
				}
				page, err := jobs.List(ctx, abaco.JobFilter{Limit: 2, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, j := range page.Jobs {
					listed = append(listed, j.ID)
				}
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			want := slices.Clone(ids)
			slices.Reverse(want)
			if !slices.Equal(listed, want) {
				t.Fatalf("listed %v, want %v", listed, want)
			}

			cancelled, err := jobs.Cancel(ctx, ids[1])
			if err != nil || cancelled.State != abaco.JobCancelled {
				t.Fatalf("Cancel(queued) = %+v, %v", cancelled, err)
			}
			if _, err := jobs.Cancel(ctx, ids[1]); abaco.ErrorCode(err) != abaco.CodeConflict {
				t.Fatalf("Cancel twice: %v, want conflict", err)
			}
			if _, err := jobs.Cancel(ctx, "unknown"); abaco.ErrorCode(err) != abaco.CodeNotFound {
				t.Fatalf("Cancel(unknown): %v, want not_found", err)
			}
			page, err := jobs.List(ctx, abaco.JobFilter{State: abaco.JobCancelled})
			if err != nil || len(page.Jobs) != 1 || page.Jobs[0].ID != ids[1] {
				t.Fatalf("List(cancelled) = %+v, %v", page, err)
			}
			if _, err := jobs.List(ctx, abaco.JobFilter{Cursor: "not a cursor"}); abaco.ErrorCode(err) != abaco.CodeInvalid {
				t.Fatalf("a bad cursor: %v, want invalid", err)
			}

			waitLive(t, jobs, ids[0])
			run()
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			got, err := jobs.Wait(wctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			for i, j := range got {
				want := abaco.JobDone
				if i == 1 {
					want = abaco.JobCancelled // never run
				}
				if j.State != want {
					t.Fatalf("job %d is %s, want %s", i, j.State, want)
				}
			}
			if _, err := jobs.Cancel(ctx, ids[0]); abaco.ErrorCode(err) != abaco.CodeConflict {
				t.Fatalf("Cancel(done): %v, want conflict", err)
			}
		})
	}
}

// TestJobsNoWorker checks that a queued job says when no worker consumes
// its queue, and stops saying so once one does.
func TestJobsNoWorker(t *testing.T) {
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			jobs, run := newJobs(t, b, queue.JobOptions{})
			first, err := jobs.Submit(ctx, "1+1")
			if err != nil {
				t.Fatal(err)
			}
			if !first.NoWorker {
				t.Fatalf("Submit with no worker anywhere = %+v; want NoWorker", first)
			}
			got, err := jobs.Job(ctx, first.ID)
			if err != nil || !got.NoWorker || got.State != abaco.JobQueued {
				t.Fatalf("Job with no worker = %+v, %v; want queued and NoWorker", got, err)
			}
			waitLive(t, jobs, first.ID)
			run()
			// The first job runs as soon as the workers start; a job
			// submitted after the cached answer expired no longer warns.
			done, err := jobs.Wait(ctx, []string{first.ID})
			if err != nil || done[0].State != abaco.JobDone || done[0].NoWorker {
				t.Fatalf("the job once workers run = %+v, %v; want done, no warning", done, err)
			}
			for deadline := time.Now().Add(10 * time.Second); ; {
				job, err := jobs.Submit(ctx, "2+2")
				if err != nil {
					t.Fatal(err)
				}
				if !job.NoWorker {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("a job submitted while workers run still says NoWorker after 10s")
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

// TestJobsSubmitMergedAtTheBound checks that merging concurrent
// submissions keeps the bound exact: a merged call refused at the bound is
// retried one submission at a time, so exactly MaxQueued are accepted.
func TestJobsSubmitMergedAtTheBound(t *testing.T) {
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const limit, submitters = 30, 60
			jobs, _ := newJobs(t, b, queue.JobOptions{MaxQueued: limit})
			var accepted, full atomic.Int64
			var wg sync.WaitGroup
			for i := range submitters {
				wg.Go(func() {
					_, err := jobs.Submit(context.Background(), strconv.Itoa(i)+"+1")
					switch abaco.ErrorCode(err) {
					case "":
						accepted.Add(1)
					case abaco.CodeQueueFull:
						full.Add(1)
					default:
						t.Errorf("Submit: %v", err)
					}
				})
			}
			wg.Wait()
			if accepted.Load() != limit || full.Load() != submitters-limit {
				t.Fatalf("%d accepted, %d refused; want %d and %d", accepted.Load(), full.Load(), limit, submitters-limit)
			}
		})
	}
}

// heldBroker holds SubmitJobs calls until release is closed, as a
// durability barrier waiting for a paused replica, or a Redis that
// stopped answering, would: every call, or with firstOnly the first one.
// It counts the calls held at once, and keeps the jobs of each call.
type heldBroker struct {
	abaco.Broker
	firstOnly         bool
	release           chan struct{}
	started           chan struct{} // closed when the first call is held
	once              sync.Once
	calls, held, most atomic.Int64
	mu                sync.Mutex
	sizes             []int // the jobs of each call, in order of arrival
}

func newHeldBroker(firstOnly bool) *heldBroker {
	return &heldBroker{Broker: inmem.NewBroker(), firstOnly: firstOnly, release: make(chan struct{}), started: make(chan struct{})}
}

func (b *heldBroker) SubmitJobs(ctx context.Context, queue string, s abaco.JobSubmission) (string, error) {
	b.mu.Lock()
	b.sizes = append(b.sizes, len(s.Jobs))
	b.mu.Unlock()
	if b.calls.Add(1) > 1 && b.firstOnly {
		return b.Broker.SubmitJobs(ctx, queue, s)
	}
	n := b.held.Add(1)
	defer b.held.Add(-1)
	for m := b.most.Load(); n > m && !b.most.CompareAndSwap(m, n); m = b.most.Load() {
	}
	b.once.Do(func() { close(b.started) })
	<-b.release
	return b.Broker.SubmitJobs(ctx, queue, s)
}

// TestJobsSubmitNotHeldBehindASlowCall checks that submissions waiting
// behind a merged call that does not return go out in a call of their
// own: they are accepted while the first is still held.
func TestJobsSubmitNotHeldBehindASlowCall(t *testing.T) {
	b := newHeldBroker(true)
	jobs, _ := newJobs(t, b, queue.JobOptions{})
	submitBehindHeldCall(t, b, jobs, 5)
}

// TestJobsSubmitFullCallNotHeld checks that submissions waiting behind a
// call in flight go out in a call of their own, without waiting for it,
// once they are enough to fill one: with the slow-call path out of the
// way, they are accepted while the first call is still held, in a call
// of MinMergedJobs jobs.
func TestJobsSubmitFullCallNotHeld(t *testing.T) {
	b := newHeldBroker(true)
	jobs, _ := newJobs(t, b, queue.JobOptions{})
	queue.SetSlowSubmit(jobs, time.Hour)
	submitBehindHeldCall(t, b, jobs, queue.MinMergedJobs)
	b.mu.Lock()
	defer b.mu.Unlock()
	if want := []int{1, queue.MinMergedJobs}; !slices.Equal(b.sizes, want) {
		t.Errorf("calls of %v jobs; want %v", b.sizes, want)
	}
}

// submitBehindHeldCall submits one job, whose call b holds (b holds only
// its first), then n more, and fails unless those n are accepted while
// the first is still held, within 10s. It then releases the first.
func submitBehindHeldCall(t *testing.T, b *heldBroker, jobs *queue.Jobs, n int) {
	t.Helper()
	first := make(chan error, 1)
	go func() {
		_, err := jobs.Submit(context.Background(), "1+1")
		first <- err
	}()
	<-b.started
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := jobs.Submit(context.Background(), strconv.Itoa(i)+"+2"); err != nil {
				t.Errorf("Submit behind the held call: %v", err)
			}
		})
	}
	behind := make(chan struct{})
	go func() { wg.Wait(); close(behind) }()
	select {
	case <-behind:
	case <-time.After(10 * time.Second):
		close(b.release) // let the goroutines end
		<-behind
		t.Fatalf("the %d submissions behind the held call were not accepted within 10s", n)
	}
	select {
	case err := <-first:
		t.Fatalf("the held call returned (%v) before it was released", err)
	default:
	}
	close(b.release)
	if err := <-first; err != nil {
		t.Fatalf("the held Submit: %v", err)
	}
}

// slowStatsBroker holds every Stats call until release is closed, as a
// Redis that stopped answering does.
type slowStatsBroker struct {
	abaco.Broker
	once    sync.Once
	held    chan struct{} // closed when the first call is held
	release chan struct{}
}

func (b *slowStatsBroker) Stats(ctx context.Context, queue string) (abaco.QueueStats, error) {
	b.once.Do(func() { close(b.held) })
	<-b.release
	return b.Broker.Stats(ctx, queue)
}

// TestJobsSubmitNotHeldBehindWorkerCheck checks that the check for live
// workers, one Stats call at a time, does not hold the other submissions
// while it waits.
func TestJobsSubmitNotHeldBehindWorkerCheck(t *testing.T) {
	b := &slowStatsBroker{Broker: inmem.NewBroker(), held: make(chan struct{}), release: make(chan struct{})}
	jobs, _ := newJobs(t, b, queue.JobOptions{})
	first := make(chan error, 1)
	go func() {
		_, err := jobs.Submit(context.Background(), "1+1")
		first <- err
	}()
	<-b.held
	second := make(chan error, 1)
	go func() {
		_, err := jobs.Submit(context.Background(), "2+2")
		second <- err
	}()
	select {
	case err := <-second:
		if err != nil {
			t.Fatalf("Submit while the worker check is held: %v", err)
		}
	case <-time.After(10 * time.Second):
		close(b.release)
		t.Fatal("a submission waited behind the held worker check for 10s")
	}
	close(b.release)
	if err := <-first; err != nil {
		t.Fatalf("the Submit that checked: %v", err)
	}
}

// TestJobsSubmitSlowCallsBounded checks that while no call returns, the
// calls started for the submissions waiting behind them stay bounded,
// and that every submission is accepted once the broker answers again.
func TestJobsSubmitSlowCallsBounded(t *testing.T) {
	b := newHeldBroker(false)
	jobs, _ := newJobs(t, b, queue.JobOptions{})
	var wg sync.WaitGroup
	var accepted atomic.Int64
	submit := func(i int) {
		wg.Go(func() {
			if _, err := jobs.Submit(context.Background(), strconv.Itoa(i)+"+1"); err != nil {
				t.Errorf("Submit: %v", err)
				return
			}
			accepted.Add(1)
		})
	}
	submit(0)
	<-b.started
	// New submissions keep arriving for long enough that, unbounded, a
	// call would start every few milliseconds.
	const n = 300
	for i := 1; i < n; i++ {
		submit(i)
		time.Sleep(time.Millisecond / 2)
	}
	most := b.most.Load()
	close(b.release)
	wg.Wait()
	if want := int64(queue.MaxInFlightSubmits + queue.MaxSlowCalls); most > want {
		t.Errorf("%d submit calls were held at once; want at most %d", most, want)
	}
	if most < 2 {
		t.Errorf("%d submit calls were held at once; the waiting submissions never went out in calls of their own", most)
	}
	if accepted.Load() != n {
		t.Errorf("%d of %d submissions accepted", accepted.Load(), n)
	}
}

// TestJobsWaitWithoutListen checks that a wait with no Listen running
// answers at once (nothing could wake it) and says why, once, in the log.
func TestJobsWaitWithoutListen(t *testing.T) {
	var logs syncbuf.Buffer
	jobs := queue.NewJobs(inmem.NewBroker(), cache.New(expr.New(expr.DefaultLimits()), cache.Options{}),
		queue.JobOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	job, err := jobs.Submit(context.Background(), "1+1")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, err := jobs.Wait(ctx, []string{job.ID})
		waited := ctx.Err() != nil
		cancel()
		if err != nil || len(got) != 1 || got[0].State != abaco.JobQueued || waited {
			t.Fatalf("Wait with no worker and no Listen = %+v, %v (waited out: %v); want the queued job at once", got, err, waited)
		}
	}
	if n := strings.Count(logs.String(), "no Listen runs"); n != 1 {
		t.Errorf("%d warnings of the missing Listen, want 1; log:\n%s", n, logs.String())
	}
}
