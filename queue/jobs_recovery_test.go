package queue_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/internal/brokertest"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/internal/syncbuf"
	"abaco/queue"
	"abaco/rdb"
)

// TestJobWorkerResumesWithinASecond stops Redis under idle job workers
// with the default options three times, for a second each, and submits a
// job as soon as Redis answers again: the median time from Redis answering
// to the job being done must be at most 1.5 s, so the workers' reconnection
// is paced by the connection backoff (at most about 1 s), not by the
// handler-retry backoff.
func TestJobWorkerResumesWithinASecond(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	ev := cache.New(expr.New(expr.DefaultLimits()), cache.Options{})
	jobs := queue.NewJobs(b, ev, queue.JobOptions{Queue: brokertest.Queue(t),
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- jobs.Run(ctx, 2) }()
	t.Cleanup(func() { stop(); <-done })
	finish(t, jobs, "1+1") // the workers are up

	var resumed []time.Duration
	for range 3 {
		srv.Stop()
		time.Sleep(time.Second) // the outage
		srv.Restart()           // returns once Redis answers PING
		back := time.Now()
		finish(t, jobs, "6*7")
		resumed = append(resumed, time.Since(back))
	}
	slices.Sort(resumed)
	t.Logf("job done after Redis answered again: %v (median %v)", resumed, resumed[1])
	if resumed[1] > 1500*time.Millisecond {
		t.Fatalf("median %v from Redis answering to the job done, want at most 1.5s (all: %v)", resumed[1], resumed)
	}
}

// finish submits expression, retrying while the client reconnects, and
// waits for a worker to finish it.
func finish(t *testing.T, jobs *queue.Jobs, expression string) {
	t.Helper()
	ctx := context.Background()
	var job abaco.Job
	waitFor(t, "a submission to succeed", func() bool {
		var err error
		job, err = jobs.Submit(ctx, expression)
		return err == nil
	})
	waitFor(t, "the job to be done", func() bool {
		j, err := jobs.Job(ctx, job.ID)
		return err == nil && j.State == abaco.JobDone
	})
}

// TestSubmitOutageLoggedOnce submits jobs while Redis is stopped: each
// fails with code unavailable at once, and the outage is logged once when
// it starts and once when a submission works again, not once per job.
func TestSubmitOutageLoggedOnce(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	var logs syncbuf.Buffer
	jobs := queue.NewJobs(rdb.NewBroker(rdbtest.Open(t, srv.URL)), nil, queue.JobOptions{Queue: brokertest.Queue(t),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	srv.Stop()
	for range 20 {
		if _, err := jobs.Submit(context.Background(), "1+1"); abaco.ErrorCode(err) != abaco.CodeUnavailable {
			t.Fatalf("Submit with Redis down: %v, want code unavailable", err)
		}
	}
	srv.Restart()
	waitFor(t, "a submission to succeed", func() bool {
		_, err := jobs.Submit(context.Background(), "1+1")
		return err == nil
	})
	out := logs.String()
	if n := strings.Count(out, "jobs: submit failed"); n != 1 {
		t.Errorf("%d lines for the outage's start, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "jobs: submit recovered"); n != 1 {
		t.Errorf("%d lines for its end, want 1:\n%s", n, out)
	}
}
