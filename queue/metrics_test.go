package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/inmem"
	"abaco/internal/brokertest"
)

func TestMetricsAndPanics(t *testing.T) {
	t.Parallel()
	b := inmem.NewBroker()
	q := brokertest.Queue(t)
	reg := prometheus.NewRegistry()
	o := fast(t, q)
	o.Registerer, o.MaxAttempts = reg, 2
	if err := b.Push(context.Background(), q, "1", "2", "panic", "3"); err != nil {
		t.Fatal(err)
	}
	start(t, b, func(_ context.Context, it abaco.Item) error {
		if it.Payload == "panic" {
			panic("bad item")
		}
		return nil
	}, o)
	// A second consumer on the same registry shares the collectors.
	o2 := fast(t, brokertest.Queue(t))
	o2.Registerer = reg
	start(t, b, func(context.Context, abaco.Item) error { return errors.New("unused") }, o2)
	waitFor(t, "the panicking item's dead letter", func() bool { return stats(t, b, q).Dead == 1 })
	dead, _ := b.Dead(context.Background(), q, 0)
	if !strings.Contains(dead[0].Reason, "handler panicked: bad item") {
		t.Fatalf("reason = %q", dead[0].Reason)
	}
	waitFor(t, "metrics", func() bool { return metric(t, reg, "abaco_queue_processed_total", q) == 3 })
	for name, want := range map[string]float64{
		"abaco_queue_failed_total":        2,
		"abaco_queue_dead_lettered_total": 1,
		"abaco_queue_pickup_seconds":      5, // observations: 3 successes, 2 panics
		"abaco_queue_in_flight":           0,
	} {
		if got := metric(t, reg, name, q); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

// metric returns the value of name{queue=q} in reg (a histogram's count),
// or -1 when it is missing.
func metric(t *testing.T, reg *prometheus.Registry, name, q string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() != q {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return -1
}

// TestOldestInFlightGauge checks abaco_queue_oldest_in_flight_seconds: above
// zero while a handler holds an item past a few heartbeats, back to zero
// once the item is acknowledged.
func TestOldestInFlightGauge(t *testing.T) {
	t.Parallel()
	b := inmem.NewBroker()
	q := brokertest.Queue(t)
	reg := prometheus.NewRegistry()
	o := fast(t, q)
	o.Registerer = reg
	if err := b.Push(context.Background(), q, "slow"); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	start(t, b, func(context.Context, abaco.Item) error {
		<-release
		return nil
	}, o)
	const name = "abaco_queue_oldest_in_flight_seconds"
	waitFor(t, name+" above 0.1s", func() bool { return metric(t, reg, name, q) > 0.1 })
	close(release)
	waitFor(t, name+" back to 0", func() bool { return metric(t, reg, name, q) == 0 })
}
