package clients_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"abaco/cache"
	"abaco/expr"
	"abaco/httpapi"
	"abaco/inmem"
	"abaco/queue"
)

// newServer starts abaco's real API in process, as abaco serve builds it
// without Redis: the engine, the embedded cache and the embedded job
// queue with two workers.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	c := cache.New(expr.New(expr.Limits{}), cache.Options{})
	jobs := queue.NewJobs(inmem.NewBroker(), c, queue.JobOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- jobs.Run(ctx, 2) }()
	// As abaco serve does: without Listen, a wait for a job answers at
	// once instead of when the job finishes.
	listened := jobs.StartListen(ctx)
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Evaluator: c, Cache: c, Jobs: jobs}))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil && ctx.Err() == nil {
			t.Errorf("job workers: %v", err)
		}
		<-listened
	})
	return srv
}
