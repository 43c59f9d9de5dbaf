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
	inFlight    prometheus.Gauge
	processed   prometheus.Counter
	failed      prometheus.Counter
	dead        prometheus.Counter
	redelivered prometheus.Counter
	pickup      prometheus.Observer
}

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
	return &metrics{
		queue:       queue,
		exported:    reg != nil,
		depth:       gauge("abaco_queue_depth", "Items waiting in the queue (sampled every heartbeat)."),
		deadLetters: gauge("abaco_queue_dead_letters", "Dead letters of the queue (sampled every heartbeat)."),
		inFlight:    gauge("abaco_queue_in_flight", "Items leased by the consumers of this process."),
		processed:   counter("abaco_queue_processed_total", "Items processed and acknowledged."),
		failed:      counter("abaco_queue_failed_total", "Handler failures (each failed attempt)."),
		dead:        counter("abaco_queue_dead_lettered_total", "Items moved to the dead letters."),
		redelivered: counter("abaco_queue_redelivered_total", "Items delivered again (after a failure or a dead consumer)."),
		pickup:      pickup,
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
}
