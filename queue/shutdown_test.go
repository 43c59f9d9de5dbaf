package queue_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/inmem"
	"abaco/internal/brokertest"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/rdb"
)

// TestShutdownReturnsUnstarted stops consumer A, whose two handlers run
// until the test releases them and whose batch holds 50 more items, with a
// long Grace. Consumer B must process those 50 while A is still in its
// grace period, A must finish its two, and the ledger of ids must show
// each processed exactly once, with nothing left waiting, leased or dead.
func TestShutdownReturnsUnstarted(t *testing.T) {
	for name, b := range map[string]abaco.Broker{
		"inmem": inmem.NewBroker(),
		"redis": rdb.NewBroker(rdbtest.Open(t, redistest.Start(t).URL)),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testShutdownReturnsUnstarted(t, b)
		})
	}
}

func testShutdownReturnsUnstarted(t *testing.T, b abaco.Broker) {
	const concurrency, batch = 2, 50
	q := brokertest.Queue(t)
	ids := numbers(concurrency + batch)
	if err := b.Push(context.Background(), q, ids...); err != nil {
		t.Fatal(err)
	}
	var byA, byB, all seen
	release := make(chan struct{})
	oa := fast(t, q)
	oa.ID, oa.Concurrency, oa.Batch, oa.Grace = "A", concurrency, batch, time.Minute
	regA := prometheus.NewRegistry()
	oa.Registerer = regA
	a := start(t, b, func(ctx context.Context, it abaco.Item) error {
		byA.add(it.Payload)
		all.add(it.Payload)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}, oa)
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	waitFor(t, "A to lease everything and start two", func() bool {
		st := stats(t, b, q)
		return byA.distinct() == concurrency && st.Depth == 0 && st.InFlight == int64(len(ids))
	})

	ob := fast(t, q)
	ob.ID, ob.Concurrency = "B", 1
	var attempts []int
	start(t, b, func(_ context.Context, it abaco.Item) error {
		if byB.add(it.Payload) == 1 {
			attempts = append(attempts, it.Attempts)
		}
		all.add(it.Payload)
		return nil
	}, ob)

	a.stop() // A's Run now waits for its two handlers, up to Grace
	waitFor(t, "B to process A's un-started items", func() bool { return byB.distinct() == batch })
	select {
	case err := <-a.done:
		t.Fatalf("A stopped (%v) before its handlers finished: B's items did not come from its grace period", err)
	default:
	}
	if byA.distinct() != concurrency {
		t.Fatalf("A started %d items during shutdown, want only its first %d", byA.distinct(), concurrency)
	}

	close(release)
	if err := <-a.done; err != nil {
		t.Fatalf("A: Run: %v", err)
	}
	a.done <- nil // for the cleanup
	waitFor(t, "everything acknowledged", func() bool {
		st := stats(t, b, q)
		return st.Depth == 0 && st.InFlight == 0
	})
	for _, id := range ids {
		if n := all.count(id); n != 1 {
			t.Errorf("id %s processed %d times (A %d, B %d), want once", id, n, byA.count(id), byB.count(id))
		}
	}
	for _, n := range attempts {
		if n != 1 {
			t.Fatalf("attempts seen by B = %v: Return counted an attempt", attempts)
		}
	}
	st := stats(t, b, q)
	if st.Dead != 0 || len(st.Consumers) != 1 || st.Consumers[0].ID != "B" {
		t.Fatalf("after A stopped: %+v, want no dead letters and only B registered", st)
	}
	if g := metric(t, regA, "abaco_queue_in_flight", q); g != 0 {
		t.Fatalf("A's in-flight gauge = %v after it stopped, want 0", g)
	}
}

// TestShutdownCutsAnIdleTakeShort stops an idle consumer, blocked in a
// take with the default Block (1s), 20 times: each Run must return well
// within Block. Every other time it pushes an item as the stop begins
// (when a take cut short may still be served, and the push would wake a
// take anyway): every item must be processed once or be back in the
// queue, none leased to a consumer that left.
func TestShutdownCutsAnIdleTakeShort(t *testing.T) {
	for name, b := range map[string]abaco.Broker{
		"inmem": inmem.NewBroker(),
		"redis": rdb.NewBroker(rdbtest.Open(t, redistest.Start(t).URL)),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			q := brokertest.Queue(t)
			var done seen
			var slowest time.Duration
			for i := range 20 {
				o := fast(t, q)
				o.ID, o.Block = fmt.Sprintf("idle-%d", i), 0 // the default Block
				c := start(t, b, func(_ context.Context, it abaco.Item) error { done.add(it.Payload); return nil }, o)
				waitFor(t, "an idle consumer", func() bool {
					s := stats(t, b, q)
					return len(s.Consumers) == 1 && s.Depth == 0 && s.InFlight == 0
				})
				c.stop()
				stopped := time.Now()
				push := i%2 == 0
				if push {
					if err := b.Push(ctx, q, strconv.Itoa(i)); err != nil {
						t.Fatal(err)
					}
				}
				select {
				case err := <-c.done:
					if err != nil {
						t.Fatalf("Run: %v", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("Run did not return within 5s of its context's end")
				}
				c.done <- nil // for the cleanup
				if !push {
					slowest = max(slowest, time.Since(stopped))
				}
				s := stats(t, b, q)
				if s.InFlight != 0 || len(s.Consumers) != 0 || int(s.Depth)+done.distinct() != (i+2)/2 || len(done.order) != done.distinct() {
					t.Fatalf("after stop %d: %+v, %d processed (%d distinct); want every item processed once or waiting", i, s, len(done.order), done.distinct())
				}
			}
			t.Logf("slowest stop: %s", slowest)
			if slowest > 500*time.Millisecond {
				t.Errorf("an idle consumer took %s to stop, want well under its 1s Block", slowest)
			}
		})
	}
}
