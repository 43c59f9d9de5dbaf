package queue

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
)

// metrics are a consumer's Prometheus metrics, all labelled with the queue.
// With no Registerer they are still updated but never exported, which
// keeps the hot path free of nil checks.
type metrics struct {
	queue       string
	exported    bool
	depth       prometheus.Gauge
	deadLetters prometheus.Gauge
	oldest      prometheus.Gauge
	inFlight    prometheus.Gauge
	processed   prometheus.Counter
	failed      prometheus.Counter
	dead        prometheus.Counter
	pickup      prometheus.Observer
	// The redeliveries this process caused or saw, by cause.
	redeliveredDied, redeliveredLeaseLost, redeliveredHandler prometheus.Counter
	// recovered counts items found by reconciliation (reconcile.go).
	recovered prometheus.Counter
}

// The cause label values of abaco_queue_redelivered_total.
const (
	causeConsumerDied = "consumer_died"
	causeLeaseLost    = "lease_lost"
	causeHandlerError = "handler_error"
)

func newMetrics(reg prometheus.Registerer, queue string) *metrics {
	l := prometheus.Labels{"queue": queue}
	gauge := func(name, help string) prometheus.Gauge {
		return register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"queue"})).With(l)
	}
	counter := func(name, help string) prometheus.Counter {
		return register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"queue"})).With(l)
	}
	pickup := register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "abaco_queue_pickup_seconds",
		Help:    "Time from leasing an item from the broker to a worker starting on it (producers push plain values, so enqueue time is unknown).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
	}, []string{"queue"})).With(l)
	redelivered := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "abaco_queue_redelivered_total",
		Help: "Items delivered again, by cause: consumer_died (this process's reaper returned the items of a consumer whose heartbeat expired), " +
			"lease_lost (this process finished an item after a reaper had handed it back, so it was processed twice), " +
			"handler_error (a failed item scheduled for a retry).",
	}, []string{"queue", "cause"}))
	cause := func(c string) prometheus.Counter {
		return redelivered.With(prometheus.Labels{"queue": queue, "cause": c})
	}
	return &metrics{
		queue:       queue,
		exported:    reg != nil,
		depth:       gauge("abaco_queue_depth", "Items waiting in the queue (sampled every heartbeat)."),
		deadLetters: gauge("abaco_queue_dead_letters", "Dead letters of the queue (sampled every heartbeat)."),
		oldest: gauge("abaco_queue_oldest_in_flight_seconds",
			"Age of the oldest item leased by any consumer of the queue, as the consumers last reported it with their heartbeats; 0 when none is leased (sampled every heartbeat)."),
		inFlight:  gauge("abaco_queue_in_flight", "Items leased by the consumers of this process."),
		processed: counter("abaco_queue_processed_total", "Items processed and acknowledged."),
		failed:    counter("abaco_queue_failed_total", "Handler failures (each failed attempt)."),
		dead:      counter("abaco_queue_dead_lettered_total", "Items moved to the dead letters."),
		pickup:    pickup,
		recovered: counter("abaco_queue_recovered_total",
			"Items found in this process's processing lists that the consumer did not know it held (a take whose reply was lost), returned to the queue."),
		redeliveredDied:      cause(causeConsumerDied),
		redeliveredLeaseLost: cause(causeLeaseLost),
		redeliveredHandler:   cause(causeHandlerError),
	}
}

// register registers c with reg, reusing an identical collector another
// consumer of the same process registered first.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		// A name clash with a different metric is a programming error.
		panic(err)
	}
	return c
}

// observeQueue samples the queue-wide gauges, when they are exported.
func (m *metrics) observeQueue(ctx context.Context, b abaco.Broker) {
	if !m.exported {
		return
	}
	s, err := b.Stats(ctx, m.queue)
	if err != nil {
		return
	}
	m.depth.Set(float64(s.Depth))
	m.deadLetters.Set(float64(s.Dead))
	m.oldest.Set(s.OldestAge.Seconds())
}
