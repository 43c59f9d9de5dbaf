package queue

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/internal/opt"
	"abaco/internal/outage"
)

// DefaultJobQueue is the queue evaluation jobs travel on.
const DefaultJobQueue = "abaco_jobs"

// DefaultMaxQueuedJobs bounds the jobs waiting in the job queue when
// JobOptions.MaxQueued is zero: about 3 MB of records in embedded mode,
// and minutes of work for a few workers, so a flood is refused before it
// fills memory rather than served hours late.
const DefaultMaxQueuedJobs = 10_000

// JobOptions configures a Jobs service. The zero value of each field
// selects the default named in its comment.
type JobOptions struct {
	// Queue is the list jobs travel on. Empty means "abaco_jobs".
	Queue string
	// ResultTTL is how long a finished job (and so its result) is kept.
	// Zero means DefaultResultTTL. Unfinished jobs are kept for 24h or ResultTTL,
	// whichever is longer, so a long backlog does not lose them.
	ResultTTL time.Duration
	// MaxQueued bounds the jobs waiting in the queue (taken ones do not
	// count): Submit refuses more with code queue_full. With Redis the
	// bound is shared by every process using the queue. Zero means
	// DefaultMaxQueuedJobs; negative means no bound.
	MaxQueued int
	// MaxAttempts bounds deliveries of a job whose evaluation hits an
	// infrastructure failure (deterministic failures are final at once).
	// Zero means 5.
	MaxAttempts int
	// MinBackoff, MaxBackoff and Heartbeat tune the job consumers as the
	// fields of the same names in Options do (zero: their defaults).
	MinBackoff, MaxBackoff, Heartbeat time.Duration
	// Registerer receives the job workers' metrics. Nil means none.
	Registerer prometheus.Registerer
	// Logger receives operational messages. Nil discards them.
	Logger *slog.Logger
}

// Jobs is the evaluation job service. Submit stores a queued job record
// and pushes the job's id (the payload is the id: unique, so attempt
// counts never mix); Run's workers evaluate through the Evaluator, so job
// results share the cache, and record the outcome in the broker. It
// implements abaco.JobService.
type Jobs struct {
	b   abaco.Broker
	ev  abaco.Evaluator
	o   JobOptions
	log *slog.Logger
	// submits logs an outage of the broker as Submit sees it: one line
	// when it starts and one when it ends, not one per refused request.
	submits *outage.Log
}

var _ abaco.JobService = (*Jobs)(nil)

// NewJobs returns a job service over broker b evaluating with ev.
func NewJobs(b abaco.Broker, ev abaco.Evaluator, o JobOptions) *Jobs {
	if o.Queue == "" {
		o.Queue = DefaultJobQueue
	}
	o.ResultTTL = opt.Or(o.ResultTTL, DefaultResultTTL)
	o.MaxAttempts = opt.Or(o.MaxAttempts, DefaultMaxAttempts)
	if o.MaxQueued == 0 {
		o.MaxQueued = DefaultMaxQueuedJobs
	}
	o.Logger = opt.Logger(o.Logger)
	log := o.Logger.With("queue", o.Queue)
	return &Jobs{b: b, ev: ev, o: o, log: log, submits: outage.New(log, "jobs: submit", 0)}
}

// newJobID returns 128 random bits, URL-safe (22 characters).
func newJobID() string {
	var r [16]byte
	_, _ = rand.Read(r[:])
	return base64.RawURLEncoding.EncodeToString(r[:])
}

// Submit stores expression as a queued job and enqueues it, in one broker
// call that also checks the bound on waiting jobs (code queue_full above
// it). Other errors come from the broker (code unavailable when it cannot
// be reached). Submit does not retry: the client that asked is told at
// once, with a Retry-After, rather than held while Redis is away.
//
// A Redis broker with a durability barrier (rdb.Broker.WithDurability)
// also fails Submit with code unavailable when too few replicas
// acknowledged the job within the barrier's timeout. That job was written
// to the master and may still run; a new Submit creates a second job.
func (j *Jobs) Submit(ctx context.Context, expression string) (abaco.Job, error) {
	rec := record{ID: newJobID(), Expr: expression, State: abaco.JobQueued, Queued: time.Now().UnixMilli()}
	raw, err := encodeRecord(rec)
	if err != nil {
		return abaco.Job{}, fmt.Errorf("queue: submit: %w", err)
	}
	err = j.b.SubmitJob(ctx, j.o.Queue, rec.ID, raw, j.ttl(rec.State), int64(j.o.MaxQueued))
	switch abaco.ErrorCode(err) {
	case "":
		j.submits.OK()
		return rec.job(), nil
	case abaco.CodeQueueFull:
		return abaco.Job{}, err
	case abaco.CodeUnavailable:
		j.submits.Fail(err)
	}
	return abaco.Job{}, fmt.Errorf("queue: submit: %w", err)
}

// Job returns the job with id, or an error with code not_found once it is
// unknown or expired.
func (j *Jobs) Job(ctx context.Context, id string) (abaco.Job, error) {
	rec, err := j.load(ctx, id)
	if err != nil {
		return abaco.Job{}, err
	}
	return rec.job(), nil
}

// load returns the stored record of id; errors are those of Job.
func (j *Jobs) load(ctx context.Context, id string) (record, error) {
	raw, err := j.b.LoadJob(ctx, j.o.Queue, id)
	if err != nil {
		if abaco.ErrorCode(err) == abaco.CodeNotFound {
			return record{}, err
		}
		return record{}, fmt.Errorf("queue: job: %w", err)
	}
	rec, err := decodeRecord(raw)
	if err != nil {
		return record{}, fmt.Errorf("queue: job: decode %s: %w", id, err)
	}
	return rec, nil
}

func (j *Jobs) save(ctx context.Context, rec record) error {
	raw, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	return j.b.SaveJob(ctx, j.o.Queue, rec.ID, raw, j.ttl(rec.State))
}

// ttl is how long a record in state st is kept: ResultTTL once finished,
// and at least 24h before, so a long backlog does not lose its jobs.
func (j *Jobs) ttl(st abaco.JobState) time.Duration {
	if st == abaco.JobQueued || st == abaco.JobRunning {
		return max(j.o.ResultTTL, 24*time.Hour)
	}
	return j.o.ResultTTL
}

// Run runs concurrency job workers until ctx is done, then shuts them down
// gracefully: jobs not started go back to the queue at once, running
// evaluations (bounded by the engine's limits) get 5s to finish and record
// their result.
func (j *Jobs) Run(ctx context.Context, concurrency int) error {
	c := NewConsumer(j.b, j.handle, Options{
		Queue:       j.o.Queue,
		Concurrency: concurrency,
		MaxAttempts: j.o.MaxAttempts,
		MinBackoff:  j.o.MinBackoff,
		MaxBackoff:  j.o.MaxBackoff,
		Heartbeat:   j.o.Heartbeat,
		Grace:       5 * time.Second,
		Registerer:  j.o.Registerer,
		Logger:      j.o.Logger,
	})
	return c.Run(ctx)
}

// transient reports whether an evaluation error may go away on retry.
func transient(err error) bool {
	switch abaco.ErrorCode(err) {
	case abaco.CodeInternal, abaco.CodeUnavailable, abaco.CodeOverloaded:
		return true
	}
	return false
}

// handle runs one delivery of a job. It is idempotent: a job delivered
// again after it finished is acknowledged without work.
func (j *Jobs) handle(ctx context.Context, it abaco.Item) error {
	job, err := j.load(ctx, it.Payload)
	switch {
	case abaco.ErrorCode(err) == abaco.CodeNotFound:
		j.log.Warn("queue: job record gone; dropping the job", "id", it.Payload)
		return nil
	case err != nil:
		return err
	case job.State == abaco.JobDone:
		return nil
	}
	job.State, job.N, job.Started, job.Finished = abaco.JobRunning, it.Attempts, time.Now().UnixMilli(), 0
	if err := j.save(ctx, job); err != nil {
		return err
	}
	res, err := j.ev.Evaluate(ctx, job.Expr)
	if err != nil && ctx.Err() != nil {
		// Shutting down: the job goes back to the queue.
		return err
	}
	job.Finished = max(time.Now().UnixMilli(), job.Started)
	switch {
	case err == nil:
		job.setResult(res)
	case transient(err) && it.Attempts < j.o.MaxAttempts:
		return err
	default:
		var e *abaco.Error
		if !errors.As(err, &e) {
			e = abaco.Errorf(abaco.CodeInternal, "evaluation failed after %d attempts", it.Attempts)
			j.log.Error("queue: job failed", "id", job.ID, "err", err)
		}
		job.setError(e)
	}
	return j.save(ctx, job)
}
