package queue

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

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

// DefaultRecentJobs is how many of the newest jobs List can find when
// JobOptions.Recent is zero: as many as may wait, so that a full queue
// can be listed, in about 0.6 MB of Redis.
const DefaultRecentJobs = 10_000

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
	// Recent is how many of the newest jobs the queue's index keeps for
	// List. Zero means DefaultRecentJobs; negative means no index (List
	// finds nothing).
	Recent int
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
	// Tracing makes a producer span per submission and a consumer span
	// per job run, carrying the submitter's trace context in the job's
	// record (tracing.go). Nil, the default, makes none.
	Tracing trace.TracerProvider
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
	// workerCheck caches whether any worker consumes the queue, for
	// abaco.Job.NoWorker.
	workerCheck workerCheck
	// submits logs an outage of the broker as Submit sees it: one line
	// when it starts and one when it ends, not one per refused request.
	submits *outage.Log
	// waiters are the Wait calls in progress (wait.go).
	waiters waiters
	// scores places submitted jobs in the index of recent jobs.
	scores scores
	// coalescer merges concurrent submissions (coalesce.go).
	coalescer coalescer
	tracer    trace.Tracer // nil: no spans
}

// scores hands out the index scores of submitted jobs: the time in unix
// milliseconds times 1000, kept increasing, so that the jobs of one
// process never share a score (a cursor is a score) while scores still
// order jobs of several processes by time.
type scores struct {
	mu   sync.Mutex
	last int64
}

// next reserves n consecutive scores at time nowMs and returns the first.
func (s *scores) next(nowMs int64, n int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := max(nowMs*1000, s.last+1)
	s.last = first + int64(n) - 1
	return first
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
	o.Recent = opt.Or(o.Recent, DefaultRecentJobs)
	o.Logger = opt.Logger(o.Logger)
	log := o.Logger.With("queue", o.Queue)
	j := &Jobs{b: b, ev: ev, o: o, log: log, submits: outage.New(log, "jobs: submit", 0)}
	if o.Tracing != nil {
		j.tracer = o.Tracing.Tracer("abaco/queue")
	}
	return j
}

// newJobID returns 128 random bits, URL-safe (22 characters).
func newJobID() string {
	var r [16]byte
	_, _ = rand.Read(r[:])
	return base64.RawURLEncoding.EncodeToString(r[:])
}

// Submit stores expression as a queued job and enqueues it: SubmitBatch
// of one expression without an idempotency key.
func (j *Jobs) Submit(ctx context.Context, expression string) (abaco.Job, error) {
	jobs, err := j.SubmitBatch(ctx, []string{expression}, abaco.SubmitOptions{})
	if err != nil {
		return abaco.Job{}, err
	}
	return jobs[0], nil
}

// SubmitBatch stores expressions as queued jobs and enqueues them, all or
// none, in one broker call (shared with the submissions of the same
// moment: see coalesce.go) that also checks the bound on waiting jobs
// (code queue_full when they do not all fit). Other errors come from the
// broker (code unavailable when it cannot be reached). It does not retry:
// the client that asked is told at once, with a Retry-After, rather than
// held while Redis is away.
//
// With o.IdempotencyKey, the key is stored for ResultTTL with a digest of
// the expressions and the jobs' ids, in the same call: a repeated key
// returns the jobs it names (as they are now), or fails with code
// idempotency_mismatch when the expressions differ.
//
// A Redis broker with a durability barrier (rdb.Broker.WithDurability)
// also fails with code unavailable when too few replicas acknowledged the
// jobs within the barrier's timeout. Those jobs were written to the
// master and may still run; submitting again creates others.
func (j *Jobs) SubmitBatch(ctx context.Context, expressions []string, o abaco.SubmitOptions) (_ []abaco.Job, err error) {
	ctx, span, tc := j.startSend(ctx, len(expressions))
	defer func() { endSpan(span, err) }()
	now := time.Now().UnixMilli()
	records := make([]abaco.JobRecord, len(expressions))
	jobs := make([]abaco.Job, len(expressions))
	for i, e := range expressions {
		rec := record{ID: newJobID(), Expr: e, State: abaco.JobQueued, Queued: now,
			TraceParent: tc.TraceParent, TraceState: tc.TraceState}
		records[i] = abaco.JobRecord{ID: rec.ID, Record: encodeRecord(rec), TTL: j.ttl(rec.State)}
		jobs[i] = rec.job()
	}
	var prior, digest string
	if o.IdempotencyKey == "" {
		err = j.submit(ctx, records)
	} else {
		// A keyed submission goes alone: its key is checked and stored
		// in its own call.
		digest = digestOf(expressions)
		prior, err = j.b.SubmitJobs(ctx, j.o.Queue, abaco.JobSubmission{Jobs: records, Limit: int64(j.o.MaxQueued),
			Score: j.scores.next(now, len(records)), Recent: int64(j.o.Recent),
			IdemKey: o.IdempotencyKey, IdemTTL: j.o.ResultTTL, IdemValue: idemValue(digest, jobs)})
	}
	switch abaco.ErrorCode(err) {
	case "":
		j.submits.OK()
	case abaco.CodeQueueFull:
		return nil, err
	case abaco.CodeUnavailable:
		j.submits.Fail(err)
		fallthrough
	default:
		return nil, fmt.Errorf("queue: submit: %w", err)
	}
	if prior == "" {
		j.markNoWorker(ctx, jobs)
		return jobs, nil
	}
	d, ids, ok := parseIdemValue(prior)
	if !ok || d != digest {
		return nil, abaco.Errorf(abaco.CodeIdempotencyMismatch,
			"the Idempotency-Key was already used with a different request; use a new key for new work")
	}
	return j.Jobs(ctx, ids)
}

// digestOf identifies a list of expressions: the SHA-256 of each one's
// length and bytes, in hex.
func digestOf(expressions []string) string {
	h := sha256.New()
	for _, e := range expressions {
		fmt.Fprintf(h, "%d:%s", len(e), e)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// idemValue is what an idempotency key stores: the request's digest and
// the ids of its jobs, "digest id,id,...", readable in redis-cli.
func idemValue(digest string, jobs []abaco.Job) string {
	ids := make([]string, len(jobs))
	for i, job := range jobs {
		ids[i] = job.ID
	}
	return digest + " " + strings.Join(ids, ",")
}

// parseIdemValue is the inverse of idemValue.
func parseIdemValue(v string) (digest string, ids []string, ok bool) {
	digest, list, ok := strings.Cut(v, " ")
	if !ok || list == "" {
		return "", nil, false
	}
	return digest, strings.Split(list, ","), true
}

// Job returns the job with id, or an error with code not_found once it is
// unknown or expired.
func (j *Jobs) Job(ctx context.Context, id string) (abaco.Job, error) {
	rec, err := j.load(ctx, id)
	if err != nil {
		return abaco.Job{}, err
	}
	job := []abaco.Job{rec.job()}
	j.markNoWorker(ctx, job)
	return job[0], nil
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

// Jobs returns the jobs with ids, read in one broker call; an unknown or
// expired job has only its ID set.
func (j *Jobs) Jobs(ctx context.Context, ids []string) ([]abaco.Job, error) {
	recs, err := j.loadMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	jobs := make([]abaco.Job, len(ids))
	for i, rec := range recs {
		if rec == nil {
			jobs[i] = abaco.Job{ID: ids[i]}
			continue
		}
		jobs[i] = rec.job()
	}
	j.markNoWorker(ctx, jobs)
	return jobs, nil
}

// loadMany returns the records of ids, nil for the missing ones.
func (j *Jobs) loadMany(ctx context.Context, ids []string) ([]*record, error) {
	raws, err := j.b.LoadJobs(ctx, j.o.Queue, ids)
	if err != nil {
		return nil, fmt.Errorf("queue: jobs: %w", err)
	}
	recs := make([]*record, len(ids))
	for i, raw := range raws {
		if raw == nil {
			continue
		}
		rec, err := decodeRecord(raw)
		if err != nil {
			return nil, fmt.Errorf("queue: jobs: decode %s: %w", ids[i], err)
		}
		recs[i] = &rec
	}
	return recs, nil
}

// ttl is how long a record in state st is kept: ResultTTL once finished,
// and at least 24h before, so a long backlog does not lose its jobs.
func (j *Jobs) ttl(st abaco.JobState) time.Duration {
	if st.Finished() {
		return j.o.ResultTTL
	}
	return max(j.o.ResultTTL, 24*time.Hour)
}

// Cancel cancels a job that waits in the queue: it leaves the queue and
// its record says cancelled, in one broker call. A job that a worker has
// taken runs to its end (code conflict), as does one that is finished.
func (j *Jobs) Cancel(ctx context.Context, id string) (abaco.Job, error) {
	rec, err := j.load(ctx, id)
	if err != nil {
		return abaco.Job{}, err
	}
	if rec.State != abaco.JobQueued {
		return abaco.Job{}, abaco.Errorf(abaco.CodeConflict, "job %s is %s; only a queued job can be cancelled", id, rec.State)
	}
	rec.State, rec.Finished = abaco.JobCancelled, max(time.Now().UnixMilli(), rec.Queued)
	ok, err := j.b.CancelJob(ctx, j.o.Queue, id, encodeRecord(rec), j.ttl(rec.State))
	if err != nil {
		return abaco.Job{}, fmt.Errorf("queue: cancel: %w", err)
	}
	if !ok {
		// It was in the queue when read and is not now: a worker took it.
		return abaco.Job{}, abaco.Errorf(abaco.CodeConflict, "job %s has started; only a queued job can be cancelled", id)
	}
	return rec.job(), nil
}

// List returns a page of recent jobs, newest first. With a state filter it
// reads at most a few pages' worth of the index per call, so a page can be
// short (even empty) while Next is set: the listing goes on from there.
func (j *Jobs) List(ctx context.Context, f abaco.JobFilter) (abaco.JobPage, error) {
	page, err := j.list(ctx, f)
	j.markNoWorker(ctx, page.Jobs)
	return page, err
}

// list is List without abaco.Job.NoWorker.
func (j *Jobs) list(ctx context.Context, f abaco.JobFilter) (abaco.JobPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = abaco.DefaultJobListLimit
	}
	limit = min(limit, abaco.MaxJobListLimit)
	before, err := parseCursor(f.Cursor)
	if err != nil {
		return abaco.JobPage{}, err
	}
	var page abaco.JobPage
	for budget := 4 * abaco.MaxJobListLimit; budget > 0; {
		n := min(2*limit, budget)
		entries, err := j.b.RecentJobs(ctx, j.o.Queue, before, n)
		if err != nil {
			return abaco.JobPage{}, fmt.Errorf("queue: list: %w", err)
		}
		budget -= n
		for _, e := range entries {
			if len(page.Jobs) == limit {
				page.Next = formatCursor(before)
				return page, nil
			}
			before = e.Score
			if e.Record == nil {
				continue // expired
			}
			rec, err := decodeRecord(e.Record)
			if err != nil {
				return abaco.JobPage{}, fmt.Errorf("queue: list: decode %s: %w", e.ID, err)
			}
			if f.State == "" || rec.State == f.State {
				page.Jobs = append(page.Jobs, rec.job())
			}
		}
		if len(entries) < n {
			return page, nil // the end of the index
		}
	}
	page.Next = formatCursor(before)
	return page, nil
}

// formatCursor and parseCursor write and read a JobPage.Next: the score of
// the last index entry read, in base 36 (short, and opaque enough that
// nobody builds one by hand).
func formatCursor(score int64) string { return strconv.FormatInt(score, 36) }

func parseCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(c, 36, 64)
	if err != nil || n <= 0 {
		return 0, abaco.Errorf(abaco.CodeInvalid, "cursor %q is not one a listing of jobs returned", c)
	}
	return n, nil
}

// DefaultJobWorkers is how many batches of jobs a worker runs at once
// when Run is given zero; DefaultJobBatch is the most jobs in a batch.
// Evaluating takes microseconds and a batch costs a few Redis round trips
// whatever its size, so a few big batches in flight keep Redis busy
// where one job per worker would leave it idle between replies.
const (
	DefaultJobWorkers = 4
	DefaultJobBatch   = 256
	// jobEvalGoroutines is how many evaluations of a batch run at once.
	jobEvalGoroutines = 16
)

// Run runs concurrency job workers (zero: DefaultJobWorkers) until ctx
// is done, then shuts them down gracefully: jobs not started go back to
// the queue at once, running evaluations (bounded by the engine's limits)
// get 5s to finish and record their result. Each worker handles a batch
// of the jobs leased together: one broker call reads their records, and
// one writes the finished ones and announces them to Wait.
func (j *Jobs) Run(ctx context.Context, concurrency int) error {
	c := newBatchConsumer(j.b, j.handleBatch, Options{
		Queue:       j.o.Queue,
		Concurrency: opt.Or(concurrency, DefaultJobWorkers),
		Batch:       DefaultJobBatch,
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

// handleBatch runs one delivery of a batch of jobs and returns the error
// of each (nil: acknowledge it). The records are read in one call, the
// evaluations run at once (a cache lookup waits on Redis, and concurrent
// lookups share its round trips), and the finished records are written
// in one call. There is no write when a job starts: the finished record
// carries when it started. It is idempotent: a job delivered again after
// it finished is acknowledged without work.
func (j *Jobs) handleBatch(ctx context.Context, items []abaco.Item) []error {
	errs := make([]error, len(items))
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Payload
	}
	raws, err := j.b.LoadJobs(ctx, j.o.Queue, ids)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	finished := make([]*abaco.JobRecord, len(items))
	// A few goroutines share the batch rather than one per job: each new
	// goroutine grows its stack through the evaluator's calls, which cost
	// more than the evaluation, while a few are enough to overlap the
	// cache's Redis round trips.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(len(raws), jobEvalGoroutines) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(raws); i = int(next.Add(1)) - 1 {
				finished[i], errs[i] = j.runSafely(ctx, items[i], raws[i])
			}
		})
	}
	wg.Wait()
	var out []abaco.JobRecord
	for _, f := range finished {
		if f != nil {
			out = append(out, *f)
		}
	}
	if len(out) == 0 {
		return errs
	}
	if err := j.b.FinishJobs(ctx, j.o.Queue, out); err != nil {
		for i, f := range finished {
			if f != nil {
				errs[i] = err
			}
		}
	}
	return errs
}

// runSafely is run, for a job whose record may be gone, turning a panic
// into the job's error: a panic would end the process, since the
// consumer's recovery only covers the handler's own goroutine.
func (j *Jobs) runSafely(ctx context.Context, it abaco.Item, raw []byte) (rec *abaco.JobRecord, err error) {
	if raw == nil {
		j.log.Warn("queue: job record gone; dropping the job", "id", it.Payload)
		return nil, nil
	}
	defer func() {
		if p := recover(); p != nil {
			rec, err = nil, fmt.Errorf("job panicked: %v", p)
			j.log.Error("queue: job panicked", "id", it.Payload, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	return j.run(ctx, it, raw)
}

// run evaluates one job of a batch and returns its finished record, or
// nil with the error to retry it (or none when it needs no work).
func (j *Jobs) run(ctx context.Context, it abaco.Item, raw []byte) (_ *abaco.JobRecord, err error) {
	rec, err := decodeRecord(raw)
	if err != nil {
		return nil, Permanent(fmt.Errorf("decode job record: %w", err))
	}
	if rec.State.Finished() {
		return nil, nil
	}
	ctx, span := j.startProcess(ctx, &rec, it.Attempts)
	defer func() { endSpan(span, err) }()
	rec.State, rec.N, rec.Started, rec.Finished = abaco.JobRunning, it.Attempts, time.Now().UnixMilli(), 0
	res, err := j.ev.Evaluate(ctx, rec.Expr)
	if err != nil && ctx.Err() != nil {
		// Shutting down: the job goes back to the queue.
		return nil, err
	}
	rec.Finished = max(time.Now().UnixMilli(), rec.Started)
	switch {
	case err == nil:
		rec.setResult(res)
	case transient(err) && it.Attempts < j.o.MaxAttempts:
		return nil, err
	default:
		var e *abaco.Error
		if !errors.As(err, &e) {
			e = abaco.Errorf(abaco.CodeInternal, "evaluation failed after %d attempts", it.Attempts)
			j.log.Error("queue: job failed", "id", rec.ID, "err", err)
		}
		rec.setError(e)
	}
	return &abaco.JobRecord{ID: rec.ID, Record: encodeRecord(rec), TTL: j.ttl(rec.State)}, nil
}
