package queue_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"abaco"
	"abaco/internal/brokertest"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/queue"
	"abaco/rdb"
)

// faultsLong runs the fault scenarios at the size of issue 11's finding 1
// (20,000 items, CLIENT PAUSE 3000, three runs) instead of the CI size.
var faultsLong = flag.Bool("faults.long", false, "run the long Redis fault variants (issue 11, finding 1)")

// fault is one thing done to Redis mid-run.
type fault struct {
	name string
	do   func(t *testing.T, srv *redistest.Server)
}

// kill SIGKILLs Redis, keeps it down for d and starts it again on the same
// port and directory (its append-only file restores the data).
func kill(d time.Duration) fault {
	return fault{fmt.Sprintf("SIGKILL, %v down, restart", d), func(t *testing.T, srv *redistest.Server) {
		srv.Stop()
		time.Sleep(d) // the outage itself: there is no condition to poll
		srv.Restart()
	}}
}

// pause stops Redis from serving its other clients for ms milliseconds.
func pause(ms int) fault {
	return fault{fmt.Sprintf("CLIENT PAUSE %d", ms), func(t *testing.T, srv *redistest.Server) {
		srv.MustDo("CLIENT", "PAUSE", fmt.Sprint(ms))
	}}
}

// faultRun is what one scenario saw.
type faultRun struct {
	items, processed, duplicates int
	redelivered                  abaco.Redeliveries
	took                         time.Duration
}

// faultScenario is a ledger test of two consumers under Redis faults.
type faultScenario struct {
	items  int
	faults []fault
	// heartbeat and ttl are the consumers' Heartbeat and HeartbeatTTL
	// (zero: the defaults, 1s and 3s).
	heartbeat, ttl time.Duration
}

// Concurrency and batch of the scenario's consumers: abaco consume
// --concurrency 4 --delay 1ms leases Concurrency items per take.
const faultConcurrency, faultBatch = 4, 4

// run pushes the ids 1..items to a queue on a Redis with an fsynced
// append-only file, runs two consumers whose handler sleeps 1ms and writes
// each id it processed in a ledger, and applies the faults one after the
// other as the ledger fills. Then, with both consumers still running, it
// asserts: every id processed (0 lost); the queue and both processing
// lists empty (0 stranded); no consumer reaped (no consumer-died
// redelivery: both lived throughout); and duplicates within the bound
// below.
func (sc faultScenario) run(t *testing.T) faultRun {
	t.Helper()
	srv := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	admin := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	q := brokertest.Queue(t)
	ids := numbers(sc.items)
	for i := 0; i < len(ids); i += 1000 {
		if err := admin.Push(context.Background(), q, ids[i:min(i+1000, len(ids))]...); err != nil {
			t.Fatal(err)
		}
	}
	var ledger seen
	handler := func(ctx context.Context, it abaco.Item) error {
		time.Sleep(time.Millisecond)
		ledger.add(it.Payload)
		return nil
	}
	var consumers []string
	began := time.Now()
	for i := range 2 {
		o := queue.Options{Queue: q, ID: fmt.Sprintf("c%d-%s", i, q), Concurrency: faultConcurrency, Batch: faultBatch,
			Heartbeat: sc.heartbeat, HeartbeatTTL: sc.ttl, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
		// Each consumer has its own client, as two processes would.
		start(t, rdb.NewBroker(rdbtest.Open(t, srv.URL)), handler, o)
		consumers = append(consumers, o.ID)
	}
	for i, f := range sc.faults {
		at := sc.items * (i + 1) / (len(sc.faults) + 1)
		waitFor(t, fmt.Sprintf("%d items processed before %s", at, f.name), func() bool { return ledger.distinct() >= at })
		t.Logf("%s at %d/%d items", f.name, ledger.distinct(), sc.items)
		f.do(t, srv)
	}
	waitFor(t, "every item processed", func() bool { return ledger.distinct() == sc.items })
	took := time.Since(began)
	// Stranded items are returned by the consumers' reconciliation, every
	// heartbeat; then everything must be empty while they still run.
	llen := func(key string) string { r, _ := srv.Do("LLEN", key); return r }
	waitFor(t, "the queue and the processing lists to empty", func() bool {
		if llen(q) != "0" {
			return false
		}
		for _, id := range consumers {
			if llen("{"+q+"}:processing:"+id) != "0" {
				return false
			}
		}
		return true
	})
	s := stats(t, admin, q)
	if s.InFlight != 0 || s.Depth != 0 || s.Dead != 0 {
		t.Fatalf("stats once drained = %+v, want nothing in flight, waiting or dead", s)
	}
	ledger.mu.Lock()
	r := faultRun{items: sc.items, processed: len(ledger.order), duplicates: len(ledger.order) - sc.items,
		redelivered: s.Redelivered, took: took}
	ledger.mu.Unlock()
	t.Logf("%d items, %d processed, %d duplicates, redeliveries %+v, %v",
		r.items, r.processed, r.duplicates, r.redelivered, r.took.Round(time.Millisecond))
	if r.redelivered.ConsumerDied != 0 {
		t.Errorf("%d consumer-died redeliveries with both consumers alive throughout", r.redelivered.ConsumerDied)
	}
	// A duplicate needs an item whose processing Redis did not keep: a
	// consumer holds at most Concurrency+Batch items, so each fault can
	// cost each consumer at most that many.
	if bound := len(sc.faults) * 2 * (faultConcurrency + faultBatch); r.duplicates > bound {
		t.Errorf("%d duplicates, want at most %d (faults x consumers x (Concurrency+Batch))", r.duplicates, bound)
	}
	return r
}

// TestFaultsNoItemLostOrStranded is issue 11's finding 1: two SIGKILLs of
// Redis with restarts, and a CLIENT PAUSE, under two busy consumers. The CI
// size is 3,000 items with short outages; -faults.long runs 20,000 items
// with CLIENT PAUSE 3000, three times.
func TestFaultsNoItemLostOrStranded(t *testing.T) {
	t.Parallel()
	sc := faultScenario{items: 3000, faults: []fault{kill(200 * time.Millisecond), kill(200 * time.Millisecond), pause(1000)}}
	runs := 1
	if *faultsLong {
		sc = faultScenario{items: 20000, faults: []fault{kill(500 * time.Millisecond), kill(500 * time.Millisecond), pause(3000)}}
		runs = 3
	}
	for i := range runs {
		t.Run(fmt.Sprintf("run %d", i+1), func(t *testing.T) { sc.run(t) })
	}
}

// TestFaultsOutageLongerThanTTL stops Redis for 4s under two live
// consumers with Heartbeat 1s and HeartbeatTTL 3s, so that every heartbeat
// has expired when Redis is back: neither consumer may reap the other (or
// itself), since both are alive.
func TestFaultsOutageLongerThanTTL(t *testing.T) {
	t.Parallel()
	faultScenario{items: 3000, faults: []fault{kill(4 * time.Second)}, heartbeat: time.Second, ttl: 3 * time.Second}.run(t)
}
