package queue_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/internal/brokertest"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/rdb"
)

// TestReconcileReturnsUnknownLeases puts items straight into a running
// consumer's processing list, as a take whose script ran but whose reply
// was lost leaves them (one repeating a payload the consumer does hold):
// the consumer must return them to the queue and then process them, once
// each, without a reaper (it is alive) and without counting an attempt.
func TestReconcileReturnsUnknownLeases(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	q := brokertest.Queue(t)
	reg := prometheus.NewRegistry()
	o := fast(t, q)
	o.ID, o.Registerer = "reconciled-"+q, reg
	gate := make(chan struct{})
	var ledger seen
	attempts := make(chan int, 8)
	start(t, b, func(ctx context.Context, it abaco.Item) error {
		if it.Payload == "held" {
			select { // held until the test has checked the list
			case <-gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		attempts <- it.Attempts
		ledger.add(it.Payload)
		return nil
	}, o)
	if err := b.Push(context.Background(), q, "held"); err != nil {
		t.Fatal(err)
	}
	processing := "{" + q + "}:processing:" + o.ID
	waitFor(t, "the held item leased", func() bool { r, _ := srv.Do("LLEN", processing); return r == "1" })
	srv.MustDo("RPUSH", processing, "lost-1", "held", "lost-2")
	waitFor(t, "the unknown items processed", func() bool {
		return ledger.count("lost-1") == 1 && ledger.count("lost-2") == 1
	})
	// The second "held" went back too (the consumer knew of one only),
	// and came back to this consumer, whose handler holds it as well.
	waitFor(t, "three items recovered", func() bool { return metric(t, reg, "abaco_queue_recovered_total", q) == 3 })
	close(gate)
	waitFor(t, "the held items processed", func() bool { return ledger.count("held") == 2 })
	waitFor(t, "the processing list to empty", func() bool { r, _ := srv.Do("LLEN", processing); return r == "0" })
	for range 4 {
		if n := <-attempts; n != 1 {
			t.Errorf("an item came back with attempt %d, want 1 (returned, not redelivered)", n)
		}
	}
	if got := metric(t, reg, "abaco_queue_recovered_total", q); got != 3 {
		t.Errorf("abaco_queue_recovered_total = %v, want 3 (no item returned twice)", got)
	}
	if s := stats(t, b, q); s.Redelivered != (abaco.Redeliveries{}) {
		t.Errorf("redeliveries = %+v, want none", s.Redelivered)
	}
}
