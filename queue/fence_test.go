package queue_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/internal/brokertest"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/queue"
	"abaco/rdb"
)

// TestFencedConsumerDropsWhatItHasNotStarted reaps a live consumer as if it
// had been cut off past its TTL (its heartbeat key deleted, then the
// reaper run from outside) while it holds four items: two running (its
// handlers wait on a gate), two waiting for a worker. Its next heartbeat
// tells it it was reaped, so it must drop the two waiting ones (they are
// back in the queue: processed once, not twice) and count the two running
// ones, acknowledged after the reap, as lease lost rather than processed.
func TestFencedConsumerDropsWhatItHasNotStarted(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	q := brokertest.Queue(t)
	reg := prometheus.NewRegistry()
	o := queue.Options{Queue: q, ID: "fenced-" + q, Concurrency: 2, Batch: 2, Heartbeat: 200 * time.Millisecond,
		HeartbeatTTL: time.Minute, Block: 50 * time.Millisecond, Registerer: reg,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
	gate := make(chan struct{})
	running := make(chan string, 16)
	var ledger seen
	start(t, b, func(ctx context.Context, it abaco.Item) error {
		running <- it.Payload
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
		ledger.add(it.Payload)
		return nil
	}, o)
	if err := b.Push(context.Background(), q, "1", "2", "3", "4"); err != nil {
		t.Fatal(err)
	}
	started := map[string]bool{<-running: true, <-running: true}
	if !started["1"] || !started["2"] {
		t.Fatalf("running %v, want 1 and 2 (taken first)", started)
	}
	processing := "{" + q + "}:processing:" + o.ID
	waitFor(t, "four items leased", func() bool { r, _ := srv.Do("LLEN", processing); return r == "4" })

	// A reaper hands them back once it sees no heartbeat: this one, or
	// the consumer's own, which runs after each of its heartbeats. A
	// heartbeat landing between the DEL and the reap makes it try again.
	llen := func(key string) string { r, _ := srv.Do("LLEN", key); return r }
	waitFor(t, "a reaper to hand back the items", func() bool {
		srv.MustDo("DEL", "{"+q+"}:hb:"+o.ID)
		_, _ = b.Reap(context.Background(), q)
		return llen(processing) != "4"
	})
	// The fence frees the tokens of the two dropped items, and the
	// consumer takes the queue's head again: 1 and 2, still running here.
	waitFor(t, "the fence", func() bool { return llen(processing) == "2" && llen(q) == "2" })
	close(gate)
	waitFor(t, "every item processed", func() bool { return ledger.distinct() == 4 })
	waitFor(t, "the queue and the processing list to empty", func() bool {
		s := stats(t, b, q)
		return s.Depth == 0 && s.InFlight == 0
	})
	for _, p := range []string{"3", "4"} {
		if n := ledger.count(p); n != 1 {
			t.Errorf("item %s, not started when the consumer was reaped, processed %d times, want 1", p, n)
		}
	}
	want := abaco.Redeliveries{ConsumerDied: 4, LeaseLost: 2}
	if got := stats(t, b, q).Redelivered; got != want {
		t.Errorf("redeliveries = %+v, want %+v", got, want)
	}
	if got := causeMetric(t, reg, "lease_lost"); got != 2 {
		t.Errorf("abaco_queue_redelivered_total{cause=lease_lost} = %v, want 2", got)
	}
}

// causeMetric returns abaco_queue_redelivered_total for cause in reg (-1
// when missing).
func causeMetric(t *testing.T, reg *prometheus.Registry, cause string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "abaco_queue_redelivered_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "cause" && l.GetValue() == cause {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}
