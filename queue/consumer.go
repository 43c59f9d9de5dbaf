// Package queue is abaco's producer/consumer runtime over any abaco.Broker:
// it leases items in batches, runs a handler on them with bounded
// concurrency, acknowledges in batches, publishes a heartbeat, reaps dead
// consumers, retries failures with backoff, dead-letters what cannot
// succeed and shuts down gracefully. The jobs service (jobs.go) runs
// expression evaluations on the same machinery.
package queue

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
)

// Handler processes one item. Returning nil acknowledges it; an error
// marked with Permanent dead-letters it at once; any other error retries
// it with backoff until Options.MaxAttempts, then dead-letters it. A
// handler that returns because its context was cancelled during shutdown
// gets its item returned to the queue.
type Handler func(ctx context.Context, it abaco.Item) error

// Options configures a Consumer. The zero value of each field selects the
// default named in its comment.
type Options struct {
	// Queue is the list to consume. Empty means "number_queue".
	Queue string
	// ID names this consumer in Redis. Empty means host-pid-random.
	ID string
	// Concurrency is how many items are processed at once. Zero means 1.
	Concurrency int
	// Batch is the most items taken per round trip. Zero means
	// 2*Concurrency, at least 16 and at most 512.
	Batch int
	// MaxAttempts is how many deliveries an item gets before it is
	// dead-lettered. Zero means 5.
	MaxAttempts int
	// MinBackoff is the wait before the first retry; it doubles per
	// attempt up to MaxBackoff. Zero means 100ms (and 10s for MaxBackoff).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Heartbeat is how often the consumer refreshes its liveness and runs
	// its reaper. Zero means 1s.
	Heartbeat time.Duration
	// HeartbeatTTL is how long a heartbeat keeps the consumer alive. Zero
	// means 3*Heartbeat. A SIGKILLed consumer's items are redelivered
	// within about HeartbeatTTL+Heartbeat.
	HeartbeatTTL time.Duration
	// Block is the longest single blocking take when the queue is empty.
	// Zero means 1s. It only bounds how often an idle consumer wakes up,
	// not pickup latency: a push wakes a blocked take at once.
	Block time.Duration
	// Registerer receives the consumer's metrics. Nil means no metrics.
	Registerer prometheus.Registerer
	// Logger receives operational messages. Nil means slog.Default().
	Logger *slog.Logger
}

// Consumer runs a Handler over a queue, at least once.
type Consumer struct {
	b abaco.Broker
	h Handler
	o Options
}

// NewConsumer returns a consumer of b that runs h on each item.
func NewConsumer(b abaco.Broker, h Handler, o Options) *Consumer {
	return &Consumer{b: b, h: h, o: o}
}

// Run consumes until ctx is done, then stops taking items, returns the
// ones not yet started, waits for the running ones (their handlers see a
// cancelled context), returns whatever is left and unregisters.
func (c *Consumer) Run(ctx context.Context) error {
	return errors.New("queue: not implemented yet")
}

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

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}
