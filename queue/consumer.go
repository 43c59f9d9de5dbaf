// Package queue is abaco's producer/consumer runtime over any abaco.Broker:
// it leases items in batches, runs a handler on them with bounded
// concurrency, acknowledges in batches, publishes a heartbeat, reaps dead
// consumers, retries failures with backoff, dead-letters what cannot
// succeed and shuts down gracefully. Under broker faults it returns the
// items a lost take reply leased without its knowing (reconcile.go), holds
// its reaper after an outage so that live peers are not taken for dead
// (heartbeat.go), and stops processing what a reaper handed back while it
// was cut off (fence.go). The jobs service (jobs.go) runs
// expression evaluations on the same machinery.
package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"abaco"
	"abaco/internal/backoff"
	"abaco/internal/opt"
	"abaco/internal/outage"
)

// Handler processes one item. Returning nil acknowledges it; an error
// marked with Permanent dead-letters it at once; any other error retries
// it with backoff until Options.MaxAttempts, then dead-letters it. When
// the consumer shuts down, ctx is cancelled (after Options.Grace): an item
// whose handler then returns an error is given back to the queue, not
// counted as failed.
type Handler func(ctx context.Context, it abaco.Item) error

// batchHandler processes the items of a batch together and returns the
// error of each, as a Handler would (nil acknowledges it). The jobs
// service uses it to read and write the records of a batch in one broker
// call each.
type batchHandler func(ctx context.Context, items []abaco.Item) []error

// DefaultQueue is the tutorial's queue name.
const DefaultQueue = "number_queue"

// Defaults of Options and JobOptions, exported so the command line's flags
// show the same values.
const (
	// DefaultMaxAttempts is how many deliveries an item gets before it is
	// dead-lettered.
	DefaultMaxAttempts = 5
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait before a
	// failed item is retried.
	DefaultMinBackoff = 100 * time.Millisecond
	DefaultMaxBackoff = 10 * time.Second
	// DefaultResultTTL is how long a finished job and its result are kept.
	DefaultResultTTL = time.Hour
)

// Options configures a Consumer. The zero value of each field selects the
// default named in its comment.
type Options struct {
	// Queue is the list to consume. Empty means "number_queue".
	Queue string
	// ID names this consumer in the broker. Empty means host-pid-random.
	ID string
	// Concurrency is how many items are processed at once. Zero means 1.
	Concurrency int
	// Batch is the most items taken per round trip; it is also how many
	// items may wait, leased, for a free worker (so at most
	// Concurrency+Batch items are leased at once). Big batches are what
	// make fast handlers fast; slow handlers want small ones, so that
	// several consumers share a queue fairly. Zero means 2*Concurrency,
	// at least 256 and at most 1024.
	Batch int
	// MaxAttempts is how many deliveries an item gets before it is
	// dead-lettered. Zero means 5.
	MaxAttempts int
	// MinBackoff is the wait before the first retry; it doubles per
	// attempt up to MaxBackoff. Each wait is jittered down to as little as
	// half of that. Zero means 100ms (and 10s for MaxBackoff).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Heartbeat is how often the consumer refreshes its liveness and runs
	// its reaper. Zero means 1s.
	Heartbeat time.Duration
	// HeartbeatTTL is how long one heartbeat keeps the consumer alive.
	// Zero means 3*Heartbeat. A SIGKILLed consumer's items are redelivered
	// within about HeartbeatTTL+Heartbeat (4s by default).
	HeartbeatTTL time.Duration
	// Block is the longest single blocking take when the queue is empty.
	// Zero means 1s. It bounds how often an idle consumer wakes up, not
	// pickup latency (a push wakes a blocked take at once) nor how long an
	// idle consumer takes to stop (shutdown cuts its take short).
	Block time.Duration
	// Grace is how long running handlers may go on after shutdown begins
	// before their context is cancelled. Zero cancels them at once.
	Grace time.Duration
	// BeforeAck, when set, runs before each batch of items is
	// acknowledged; if it fails, the batch is not acknowledged (and so is
	// delivered again later). abaco consume uses it to flush its buffered
	// output, so every acknowledged item has been printed while printing
	// costs one write per batch, not per item.
	BeforeAck func() error
	// Registerer receives the consumer's metrics. Nil means no metrics.
	Registerer prometheus.Registerer
	// Logger receives operational messages. Nil discards them.
	Logger *slog.Logger
	// Tracing makes a consumer span "process <queue>" per item a Handler
	// runs, the parent of the spans the handler makes (a plain item
	// carries no trace context, so each starts a trace). Nil, the
	// default, makes none.
	Tracing trace.TracerProvider
}

func (o Options) withDefaults() Options {
	if o.Queue == "" {
		o.Queue = DefaultQueue
	}
	if o.ID == "" {
		o.ID = newConsumerID()
	}
	o.Concurrency = max(o.Concurrency, 1)
	if o.Batch <= 0 {
		o.Batch = min(max(2*o.Concurrency, 256), 1024)
	}
	o.MaxAttempts = opt.Or(o.MaxAttempts, DefaultMaxAttempts)
	o.MinBackoff = opt.Or(o.MinBackoff, DefaultMinBackoff)
	o.MaxBackoff = max(opt.Or(o.MaxBackoff, DefaultMaxBackoff), o.MinBackoff)
	o.Heartbeat = opt.Or(o.Heartbeat, time.Second)
	o.HeartbeatTTL = opt.Or(o.HeartbeatTTL, 3*o.Heartbeat)
	o.Block = opt.Or(o.Block, time.Second)
	o.Logger = opt.Logger(o.Logger)
	return o
}

// newConsumerID returns host-pid-random: unique, and readable in Redis.
func newConsumerID() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "host"
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(r[:]))
}

// Consumer runs a Handler over a queue, at least once.
type Consumer struct {
	b abaco.Broker
	h Handler
	// bh, when set, replaces h: each worker hands it the tasks waiting
	// when it picks one up, up to Options.Batch.
	bh     batchHandler
	o      Options
	m      *metrics
	log    *slog.Logger
	tracer trace.Tracer // nil: no spans
}

// NewConsumer returns a consumer of b that runs h on each item.
func NewConsumer(b abaco.Broker, h Handler, o Options) *Consumer {
	o = o.withDefaults()
	c := &Consumer{b: b, h: h, o: o, m: newMetrics(o.Registerer, o.Queue),
		log: o.Logger.With("queue", o.Queue, "consumer", o.ID)}
	if o.Tracing != nil {
		c.tracer = o.Tracing.Tracer("abaco/queue")
	}
	return c
}

// newBatchConsumer returns a consumer of b that runs h on batches.
func newBatchConsumer(b abaco.Broker, h batchHandler, o Options) *Consumer {
	c := NewConsumer(b, nil, o)
	c.bh = h
	return c
}

// ID returns the consumer's id in the broker.
func (c *Consumer) ID() string { return c.o.ID }

// Run consumes until ctx is done. Then it stops taking items, returns the
// items no worker has started to the head of the queue at once (so other
// consumers take them), lets running handlers finish (cancelling their
// context after Options.Grace), and returns every item it still holds -
// waiting for a retry, or given up by a cancelled handler - to the head of
// the queue, in order, before unregistering. Broker errors are logged and retried, at
// start too: a consumer started before its Redis waits for it. Run fails
// only when the broker refuses to register the consumer.
func (c *Consumer) Run(ctx context.Context) error {
	waited, err := c.register(ctx)
	if err != nil {
		return err
	}
	// A consumer that had to wait for its broker holds its reaper as a
	// heartbeat that came back does (see holdReaper).
	var reapAfter time.Time
	if waited {
		reapAfter = holdReaper(c.o.HeartbeatTTL)
	}
	r := newRun(c, ctx, reapAfter)
	r.start()
	<-ctx.Done()
	r.stop()
	return nil
}

// register registers the consumer with its first heartbeat. While the
// broker is unavailable (Redis not up yet) it retries, with backoff capped
// at registerMaxWait, until ctx ends; any other error (a refused command)
// is returned, since retrying would not fix it. It reports whether it had
// to wait for the broker.
func (c *Consumer) register(ctx context.Context) (waited bool, err error) {
	log := outage.New(c.log, "queue: register", 0)
	for attempt := 2; ; attempt++ {
		// A reap reported here is of an earlier run under this id: this
		// one holds nothing yet.
		_, err := c.b.Heartbeat(ctx, c.o.Queue, c.o.ID, c.o.HeartbeatTTL, time.Time{})
		if err == nil {
			log.OK()
			return attempt > 2, nil
		}
		if ctx.Err() != nil {
			// Stopped before the broker came back: nothing was taken,
			// so there is nothing to return to the queue.
			return false, nil
		}
		if abaco.ErrorCode(err) != abaco.CodeUnavailable {
			return false, fmt.Errorf("queue: register consumer: %w", err)
		}
		log.Fail(err)
		select {
		case <-ctx.Done():
			return false, nil
		case <-time.After(min(c.o.backoff(attempt), registerMaxWait)):
		}
	}
}

// registerMaxWait bounds the wait between registration attempts, so that
// a consumer starts at most this long after its broker comes back.
const registerMaxWait = time.Second

// permanent marks an error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying: the item is dead-lettered at
// once with err's text as the reason.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// isPermanent reports whether err was marked with Permanent.
func isPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// backoff returns the wait before delivery number attempt (2 or more):
// MinBackoff doubled per attempt up to MaxBackoff, with equal jitter (half
// to all of it), so that the items that failed together, as in an outage
// of what their handler calls, are not all retried in the same instant.
func (o Options) backoff(attempt int) time.Duration {
	return backoff.Exp(o.MinBackoff, o.MaxBackoff, attempt-1)
}
