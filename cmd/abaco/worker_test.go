package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"abaco"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/queue"
	"abaco/rdb"
)

// TestWorkerRunsJobs submits jobs the way serve does (queue.Jobs over the
// Redis broker) and lets `abaco worker` run them, then stops it.
func TestWorkerRunsJobs(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	jobs := queue.NewJobs(rdb.NewBroker(rdbtest.Open(t, srv.URL)), nil, queue.JobOptions{}) // submit only
	ctx := context.Background()
	ok, err := jobs.Submit(ctx, "6*7")
	if err != nil {
		t.Fatal(err)
	}
	bad, err := jobs.Submit(ctx, "1/0")
	if err != nil {
		t.Fatal(err)
	}

	w := startInProcess(srv.URL, "worker", "--concurrency", "2")
	var got abaco.Job
	until(t, 10*time.Second, "the jobs to finish", func() bool {
		got, err = jobs.Job(ctx, bad.ID)
		j, err2 := jobs.Job(ctx, ok.ID)
		if err2 == nil && j.State == abaco.JobDone {
			if j.Result == nil || j.Result.Value != "42" {
				t.Fatalf("job %+v, want 42", j)
			}
			return err == nil && got.State == abaco.JobFailed
		}
		return false
	})
	if got.Err == nil || got.Err.Code != abaco.CodeDivisionByZero {
		t.Fatalf("failed job = %+v", got)
	}
	if code := w.stop(t); code != 0 {
		t.Fatalf("worker exited %d: %s", code, w.err.String())
	}
	// The cache is shared through Redis: the worker stored 6 * 7's result.
	if keys := srv.MustDo("KEYS", "abaco:v1:eval:*"); keys == "" {
		t.Errorf("no cached results in Redis after the worker ran")
	}
}

// TestWorkerResumesAfterRedisRestart runs `abaco worker` with its default
// options and stops its Redis three times for a second: a job submitted
// as soon as Redis answers again must be done within 1.5 s (median).
func TestWorkerResumesAfterRedisRestart(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	jobs := queue.NewJobs(rdb.NewBroker(rdbtest.Open(t, srv.URL)), nil, queue.JobOptions{}) // submit only
	w := startInProcess(srv.URL, "worker")
	t.Cleanup(func() { w.stop(t) })
	done := func(expression string) {
		t.Helper()
		var job abaco.Job
		until(t, 10*time.Second, "a submission", func() bool {
			var err error
			job, err = jobs.Submit(context.Background(), expression)
			return err == nil
		})
		until(t, 10*time.Second, "the job done", func() bool {
			j, err := jobs.Job(context.Background(), job.ID)
			return err == nil && j.State == abaco.JobDone
		})
	}
	done("1+1")
	var resumed []time.Duration
	for range 3 {
		srv.Stop()
		time.Sleep(time.Second) // the outage
		srv.Restart()
		back := time.Now()
		done("6*7")
		resumed = append(resumed, time.Since(back))
	}
	slices.Sort(resumed)
	t.Logf("abaco worker: job done %v after Redis answered again (median %v)", resumed, resumed[1])
	if resumed[1] > 1500*time.Millisecond {
		t.Fatalf("median %v, want at most 1.5s (all: %v)", resumed[1], resumed)
	}
}
