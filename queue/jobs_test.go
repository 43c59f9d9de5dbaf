package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/internal/brokertest"
	"abaco/queue"
)

// flaky is an Evaluator that fails with code unavailable a number of times
// before answering through the real cache: the way a Redis outage looks.
type flaky struct {
	abaco.Evaluator
	fails chan struct{}
}

func (f flaky) Evaluate(ctx context.Context, e string) (abaco.Result, error) {
	select {
	case <-f.fails:
		return abaco.Result{}, abaco.Errorf(abaco.CodeUnavailable, "redis down")
	default:
		return f.Evaluator.Evaluate(ctx, e)
	}
}

func TestJobs(t *testing.T) {
	ev := cache.New(expr.New(expr.DefaultLimits()), cache.Options{})
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			fails := make(chan struct{}, 2)
			fails <- struct{}{}
			fails <- struct{}{}
			jobs := queue.NewJobs(b, flaky{ev, fails}, queue.JobOptions{
				Queue: brokertest.Queue(t), ResultTTL: time.Minute, Logger: fast(t, "").Logger})

			cases := []struct {
				name, expr string
				state      abaco.JobState
				value      string
				code       abaco.Code
			}{
				{"a sum", "2+2", abaco.JobDone, "4", ""},
				{"division by zero fails at once", "1/0", abaco.JobFailed, "", abaco.CodeDivisionByZero},
				{"syntax error", "2+", abaco.JobFailed, "", abaco.CodeSyntax},
				{"float", "7/2", abaco.JobDone, "3.5", ""},
			}
			ids := make([]string, len(cases))
			for i, c := range cases {
				job, err := jobs.Submit(ctx, c.expr)
				if err != nil || job.State != abaco.JobQueued || len(job.ID) != 22 || job.CreatedAt.IsZero() {
					t.Fatalf("Submit(%q) = %+v, %v", c.expr, job, err)
				}
				got, err := jobs.Job(ctx, job.ID)
				if err != nil || got.State != abaco.JobQueued || got.Expression != c.expr {
					t.Fatalf("Job before run = %+v, %v", got, err)
				}
				ids[i] = job.ID
			}
			rctx, stop := context.WithCancel(ctx)
			done := make(chan error)
			go func() { done <- jobs.Run(rctx, 2) }()
			defer func() { stop(); <-done }()
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var job abaco.Job
					waitFor(t, "the job to finish", func() bool {
						var err error
						job, err = jobs.Job(ctx, ids[i])
						return err == nil && (job.State == abaco.JobDone || job.State == abaco.JobFailed)
					})
					if job.State != c.state {
						t.Fatalf("state = %s, want %s (%+v)", job.State, c.state, job)
					}
					if c.state == abaco.JobDone && (job.Result == nil || job.Result.Value != c.value) {
						t.Fatalf("result = %+v, want %s", job.Result, c.value)
					}
					if c.state == abaco.JobFailed && (job.Err == nil || job.Err.Code != c.code) {
						t.Fatalf("error = %+v, want code %s", job.Err, c.code)
					}
				})
			}
			if len(fails) != 0 {
				t.Fatalf("the evaluator's outage was not hit: retries untested")
			}
			_, err := jobs.Job(ctx, "no-such-job")
			var e *abaco.Error
			if !errors.As(err, &e) || e.Code != abaco.CodeNotFound {
				t.Fatalf("unknown job: %v, want not_found", err)
			}
		})
	}
}

// TestJobsBounded submits jobs with no worker running: past MaxQueued,
// Submit refuses with code queue_full, and the refused job is not found.
func TestJobsBounded(t *testing.T) {
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			jobs := queue.NewJobs(b, nil, queue.JobOptions{Queue: brokertest.Queue(t), MaxQueued: 2})
			for range 2 {
				if _, err := jobs.Submit(ctx, "1+1"); err != nil {
					t.Fatalf("Submit under the bound: %v", err)
				}
			}
			job, err := jobs.Submit(ctx, "1+1")
			if abaco.ErrorCode(err) != abaco.CodeQueueFull || job.ID != "" {
				t.Fatalf("Submit at the bound = %+v, %v; want code queue_full", job, err)
			}
		})
	}
}
