package main

import (
	"context"
	"time"

	"abaco/cache"
	"abaco/expr"
	"abaco/queue"
	"abaco/rdb"
)

func runWorker(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "worker", "abaco worker [flags]",
		`Runs evaluation job workers against Redis: it takes the jobs that
"abaco serve" (with REDIS_URL) accepts on POST /jobs, evaluates them through
the same two-tier cache, and records the result for GET /jobs/{id}. Run as many
workers as you like; a worker that dies has its jobs redelivered within about
4 s. SIGTERM or Ctrl-C stops taking jobs, lets running evaluations finish and
returns the rest to the queue.

--job-ttl must match the server's (it is how long results are kept).

--concurrency is how many batches of jobs (up to 256 each) are in flight at
once, not one job each: evaluation takes microseconds and waiting on Redis
dominates, so a few batches in flight keep Redis busy (default 4).

Examples:
  REDIS_URL=redis://127.0.0.1:6379 abaco worker
  abaco worker --redis-url redis://cache:6379/0 --concurrency 8 --metrics-addr :9101

`+tracingHelp)
	var q string
	var jobTTL, cacheTTL time.Duration
	stringVar(fs, env, &q, "queue", "ABACO_JOB_QUEUE", queue.DefaultJobQueue, "the job queue")
	durationVar(fs, env, &jobTTL, "job-ttl", "ABACO_JOB_TTL", queue.DefaultResultTTL, "how long a finished job and its result are kept")
	durationVar(fs, env, &cacheTTL, "cache-ttl", "ABACO_CACHE_TTL", cache.DefaultTTL, "how long results are cached")
	// A few batches in flight (each up to queue.DefaultJobBatch jobs) keep
	// Redis busy: evaluation takes microseconds, waiting on Redis dominates.
	f := runtimeFlags(fs, env, queue.DefaultJobWorkers)
	c, log, reg, err := f.open(ctx, env, fs, args, "worker", &q)
	if err != nil {
		return err
	}
	defer c.Close()
	store, flushes, closeStore, err := f.cacheStore(c, log)
	if err != nil {
		return err
	}
	defer closeStore()
	tp, endTracing, err := openTracing(env.Getenv, env.Stderr, log)
	if err != nil {
		return err
	}
	defer endTracing()
	ev := cache.New(expr.New(f.limits), cache.Options{
		TTL: cacheTTL, Shared: store, Registerer: reg, Logger: log, Tracing: tp,
		Flushes: flushes, // DELETE /cache on a serve empties this tier too
	})
	defer ev.Close()
	jobs := queue.NewJobs(rdb.NewBroker(c), ev, queue.JobOptions{
		Queue: q, ResultTTL: jobTTL, MaxAttempts: f.maxAttempts,
		MinBackoff: f.backoff, MaxBackoff: f.maxBackoff, Heartbeat: f.heartbeat, Registerer: reg, Logger: log,
		Tracing: tp,
	})
	f.running(log, "worker", q, "cache_redis", rdb.Redact(f.url))
	return jobs.Run(ctx, f.concurrency)
}
