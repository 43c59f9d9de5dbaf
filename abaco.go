// Package abaco holds the domain of the abaco service: evaluation results,
// jobs, the interfaces its implementations satisfy (Evaluator, Store,
// JobService) and the one error type with stable codes (see error.go).
//
// Implementations live in subpackages named after what they wrap: expr (the
// pure expression engine), cache (cache-aside over a Store), rdb (Redis),
// inmem (the embedded backend), queue (reliable queues), httpapi (HTTP).
// Subpackages speak these types and do not know each other; cmd/abaco wires
// them together.
package abaco

import (
	"context"
	"time"
)

// Kind is the Python type of an evaluation result.
type Kind string

// The kinds of value an expression can produce.
const (
	KindInt   Kind = "int"
	KindFloat Kind = "float"
	KindBool  Kind = "bool"
)

// CacheStatus says where a result came from.
type CacheStatus string

// Cache statuses reported with each result (and in the X-Cache header).
const (
	// CacheMiss means the engine computed the result for this request.
	CacheMiss CacheStatus = "miss"
	// CacheHit means the result was served from a cache tier.
	CacheHit CacheStatus = "hit"
	// CacheBypass means the result may not be cached (a limit breach) or the
	// cache could not be used; the engine computed it.
	CacheBypass CacheStatus = "bypass"
)

// Result is the outcome of evaluating one expression.
type Result struct {
	// Expression is the canonical form of the input: inputs that parse to
	// the same tree share it, so it is the cache key.
	Expression string
	// Value is the result as Python's repr prints it ("4", "0.5", "True").
	// It is empty when the evaluation failed.
	Value string
	// Kind is the Python type of Value.
	Kind Kind
	// Cache says whether this result was computed or served from a cache.
	Cache CacheStatus
	// Tier names the cache tier that answered a hit ("local" or "shared").
	Tier string
}

// Evaluator evaluates expressions. The cache package implements it on top of
// the engine; every caller (HTTP handlers, job workers, demos) goes through it.
type Evaluator interface {
	// Evaluate parses and evaluates expression. On a deterministic failure
	// (syntax, division_by_zero, ...) it returns a *Error and a Result whose
	// Expression and Cache fields are still set when the input parsed.
	// Limit breaches return code limit; infrastructure failures never do:
	// the cache degrades to evaluating without it.
	Evaluate(ctx context.Context, expression string) (Result, error)
}

// Store is the shared tier of the result cache: Redis (rdb.Store) in
// abaco serve, or inmem.Store in a program that shares entries between
// caches of one process. Without a Store the cache is its in-process tier
// alone. Entries are opaque bytes encoded by the cache package, addressed
// by key (a canonical expression, or a key of the cache's own); the
// implementation owns the key names.
//
// Errors are the backend's, wrapped: they carry no code (internal at the
// edge). The cache treats any of them as the store being unavailable.
type Store interface {
	// GetTTL returns the entry under key and how long it has left, so
	// that a copy of it lives no longer: zero when it expired meanwhile,
	// below zero when it does not expire. ok is false on a miss.
	GetTTL(ctx context.Context, key string) (entry []byte, ttl time.Duration, ok bool, err error)
	// SetMany stores entries that expire after ttl, as one batch (in Redis
	// one pipeline: one round trip for all of them). It fails if ttl is
	// not positive or any entry could not be stored.
	SetMany(ctx context.Context, entries []StoreEntry, ttl time.Duration) error
	// Flush removes every cache entry (and nothing else) and reports how many.
	Flush(ctx context.Context) (int64, error)
	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
}

// StoreEntry is one entry of Store.SetMany.
type StoreEntry struct {
	// Key is what the entry is stored under: a canonical expression, or
	// a key of the cache's own.
	Key string
	// Entry is the encoded entry.
	Entry []byte
}

// JobState is the lifecycle state of an evaluation job.
type JobState string

// Job states, in lifecycle order.
const (
	JobQueued  JobState = "queued"
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
	// JobCancelled is a job cancelled while it waited in the queue.
	JobCancelled JobState = "cancelled"
)

// Finished reports whether a job in state s will not change again.
func (s JobState) Finished() bool {
	return s == JobDone || s == JobFailed || s == JobCancelled
}

// Job is an expression submitted for asynchronous evaluation.
type Job struct {
	ID         string
	Expression string
	State      JobState
	// Result is set when State is JobDone.
	Result *Result
	// Err is set when State is JobFailed: the evaluation error, with its code.
	Err       *Error
	Attempts  int
	CreatedAt time.Time
	UpdatedAt time.Time
	// NoWorker is set on a queued job when no live worker consumes its
	// queue: it waits until one starts.
	NoWorker bool
}

// JobService submits evaluation jobs and reports their state.
type JobService interface {
	// Submit enqueues expression and returns the queued job.
	Submit(ctx context.Context, expression string) (Job, error)
	// SubmitBatch enqueues expressions, all or none, and returns their
	// queued jobs in order. With o.IdempotencyKey set, a repeated call
	// with the same key and expressions within the result TTL returns
	// the jobs of the first call; the same key with other expressions
	// fails with code idempotency_mismatch.
	SubmitBatch(ctx context.Context, expressions []string, o SubmitOptions) ([]Job, error)
	// Job returns the job with id, or an error with code not_found once it is
	// unknown or its result has expired.
	Job(ctx context.Context, id string) (Job, error)
	// Jobs returns the jobs with ids, in order; an unknown or expired one
	// is a Job with only its ID set (State empty).
	Jobs(ctx context.Context, ids []string) ([]Job, error)
	// Wait returns the jobs with ids, as Jobs does, once every one of them
	// is finished (or unknown) or when ctx ends, whichever comes first;
	// ctx ending is not an error. It is woken by the jobs' completion,
	// not by polling.
	Wait(ctx context.Context, ids []string) ([]Job, error)
	// List returns recent jobs, newest first, filtered and paginated by f.
	List(ctx context.Context, f JobFilter) (JobPage, error)
	// Cancel cancels a queued job and returns it. A job already started or
	// finished fails with code conflict; an unknown one with not_found.
	Cancel(ctx context.Context, id string) (Job, error)
}

// SubmitOptions are the options of JobService.SubmitBatch.
type SubmitOptions struct {
	// IdempotencyKey, when not empty, makes the submission idempotent.
	IdempotencyKey string
}

// JobFilter selects a page of JobService.List.
type JobFilter struct {
	// State keeps only the jobs in this state; empty keeps all.
	State JobState
	// Cursor continues a listing where the JobPage.Next of the previous
	// page left it; empty starts with the newest job.
	Cursor string
	// Limit is the most jobs in the page: zero or less means
	// DefaultJobListLimit, and more than MaxJobListLimit means that many.
	Limit int
}

// The page sizes of JobService.List, shared by its implementation and
// the HTTP API that validates them.
const (
	DefaultJobListLimit = 50
	MaxJobListLimit     = 1000
)

// JobPage is one page of JobService.List.
type JobPage struct {
	// Jobs are newest first.
	Jobs []Job
	// Next is the cursor of the following page; empty on the last one.
	Next string
}
