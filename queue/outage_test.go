package queue_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"abaco"
	"abaco/internal/brokertest"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/queue"
	"abaco/rdb"
)

// TestConsumerSurvivesRedisRestart stops Redis under a running consumer and
// starts it again (empty, and with an empty script cache): the consumer
// must keep retrying and then consume what is pushed afterwards.
func TestConsumerSurvivesRedisRestart(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	q := brokertest.Queue(t)
	var s seen
	start(t, b, func(_ context.Context, it abaco.Item) error { s.add(it.Payload); return nil }, fast(t, q))
	ctx := context.Background()
	if err := b.Push(ctx, q, "before"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first item", func() bool { return s.count("before") == 1 })

	srv.Stop()
	if err := b.Push(ctx, q, "lost"); err == nil {
		t.Fatal("Push succeeded with Redis down")
	} else if abaco.ErrorCode(err) != abaco.CodeUnavailable {
		t.Fatalf("Push with Redis down: code %q (%v), want unavailable", abaco.ErrorCode(err), err)
	}
	srv.Restart()
	waitFor(t, "a push after the restart", func() bool { return b.Push(ctx, q, "after") == nil })
	waitFor(t, "the item pushed after the restart", func() bool { return s.count("after") >= 1 })
}

// TestConsumerStartedBeforeRedis starts a consumer on a client opened while
// Redis is down, as abaco serve does: it waits to register, consumes once
// Redis starts, and stops cleanly if told to before then.
func TestConsumerStartedBeforeRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	srv.Stop()
	c, err := rdb.Open(srv.URL, rdb.Options{AllowUnreachable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	b := rdb.NewBroker(c)
	q := brokertest.Queue(t)

	early := start(t, b, func(context.Context, abaco.Item) error { return nil }, fast(t, q))
	early.Stop(t) // Run returns nil: it held nothing

	var s seen
	start(t, b, func(_ context.Context, it abaco.Item) error { s.add(it.Payload); return nil }, fast(t, q))
	srv.Restart()
	waitFor(t, "a push once Redis is up", func() bool { return b.Push(context.Background(), q, "7") == nil })
	waitFor(t, "the item", func() bool { return s.count("7") == 1 })
}

// TestConsumerRegistrationRefused checks that a broker refusing the
// registration (here Redis answering WRONGTYPE, since the consumers key
// holds a string) fails Run at once instead of retrying forever.
func TestConsumerRegistrationRefused(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	q := brokertest.Queue(t)
	srv.MustDo("SET", "{"+q+"}:consumers", "not a set")
	done := make(chan error, 1)
	go func() {
		done <- queue.NewConsumer(b, func(context.Context, abaco.Item) error { return nil }, fast(t, q)).Run(context.Background())
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run returned nil with the registration refused")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run still retrying a refused registration after 10s")
	}
}

// TestConsumerResumesWithinASecond keeps Redis down for 2s under an idle
// consumer with the default options, then pushes an item as soon as Redis
// answers again, three times: the median time to process it must be at
// most 1.5s, so its reconnection is not paced by the handler-retry backoff
// (which grows to 10s).
func TestConsumerResumesWithinASecond(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	q := brokertest.Queue(t)
	o := queue.Options{Queue: q, ID: "idle-" + q, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
	got := make(chan time.Time, 1)
	start(t, b, func(context.Context, abaco.Item) error {
		select {
		case got <- time.Now():
		default:
		}
		return nil
	}, o)
	waitFor(t, "the consumer to register", func() bool {
		r, _ := srv.Do("SISMEMBER", "{"+q+"}:consumers", o.ID)
		return r == "1"
	})

	var times []time.Duration
	for i := range 3 {
		srv.Stop()
		time.Sleep(2 * time.Second) // the outage
		srv.Restart()               // returns once Redis answers PING
		back := time.Now()
		srv.MustDo("RPUSH", q, fmt.Sprint("after-", i))
		select {
		case at := <-got:
			times = append(times, at.Sub(back))
		case <-time.After(20 * time.Second):
			t.Fatalf("the item pushed after outage %d was not processed in 20s", i+1)
		}
	}
	slices.Sort(times)
	t.Logf("processed %v after Redis answered again (median %v)", times, times[1])
	if times[1] > 1500*time.Millisecond {
		t.Fatalf("median %v after Redis answered again (of %v), want at most 1.5s", times[1], times)
	}
}

// TestAcksSurviveRedisOutage lets handlers finish items while Redis is
// down (killed, with an append-only file so that its data survives the
// restart), then checks from the ledger of ids that, once Redis is back,
// every item was processed and acknowledged - the consumer's processing
// list empties while it still runs - and none was lost.
func TestAcksSurviveRedisOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--appendonly", "yes")
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	q := brokertest.Queue(t)
	o := fast(t, q)
	o.ID = "acker-" + q
	// The consumer outlives the outage in Redis's eyes, so no reaper
	// returns its items: only its acks can empty its processing list.
	o.HeartbeatTTL = time.Minute
	gate := make(chan struct{})
	var s seen
	c := start(t, b, gated(gate, &s), o)
	ids := numbers(20)
	if err := b.Push(context.Background(), q, ids...); err != nil {
		t.Fatal(err)
	}
	processing := "{" + q + "}:processing:" + o.ID
	llen := func(key string) string { r, _ := srv.Do("LLEN", key); return r }
	waitFor(t, "every item leased", func() bool { return llen(processing) == "20" })

	srv.Stop()
	close(gate) // the handlers finish while every ack fails
	waitFor(t, "every item processed", func() bool { return s.distinct() == len(ids) })
	time.Sleep(1500 * time.Millisecond) // the rest of the outage
	srv.Restart()

	waitFor(t, "the processing list to empty", func() bool { return llen(processing) == "0" })
	if n := llen(q); n != "0" {
		t.Fatalf("queue holds %s items, want 0", n)
	}
	select {
	case err := <-c.done:
		t.Fatalf("the consumer stopped during the test: %v", err)
	default:
	}
	for _, id := range ids {
		if s.count(id) == 0 {
			t.Errorf("item %s lost", id)
		}
	}
	if d := len(s.order) - len(ids); d > 0 {
		t.Logf("%d items processed twice (at-least-once)", d)
	}
}

// TestUnackedAtShutdownAreRedelivered stops a consumer whose acks fail
// because Redis is down: Run must still return in bounded time, and its
// processed but unacknowledged items stay leased, so that once Redis is
// back another consumer's reaper returns them and none is lost.
func TestUnackedAtShutdownAreRedelivered(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--appendonly", "yes")
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	q := brokertest.Queue(t)
	gate := make(chan struct{})
	var first, second seen
	o := fast(t, q)
	o.ID = "first-" + q
	c := start(t, b, gated(gate, &first), o)
	ids := numbers(10)
	if err := b.Push(context.Background(), q, ids...); err != nil {
		t.Fatal(err)
	}
	llen := func(key string) string { r, _ := srv.Do("LLEN", key); return r }
	waitFor(t, "every item leased", func() bool { return llen("{"+q+"}:processing:"+o.ID) == "10" })

	srv.Stop()
	close(gate)
	waitFor(t, "every item processed", func() bool { return first.distinct() == len(ids) })
	began := time.Now()
	c.stop()
	select {
	case <-c.done:
		t.Logf("Run returned %v after shutdown began", time.Since(began))
		c.done <- nil // for the cleanup
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return within 20s of shutdown with Redis down")
	}
	srv.Restart()

	o2 := fast(t, q)
	o2.ID = "second-" + q
	start(t, b, func(_ context.Context, it abaco.Item) error { second.add(it.Payload); return nil }, o2)
	waitFor(t, "the first consumer's items redelivered", func() bool { return second.distinct() == len(ids) })
	waitFor(t, "every processing list to empty", func() bool {
		return llen("{"+q+"}:processing:"+o.ID) == "0" && llen("{"+q+"}:processing:"+o2.ID) == "0" && llen(q) == "0"
	})
}

// gated is a handler that records each item in s once gate is closed.
func gated(gate <-chan struct{}, s *seen) queue.Handler {
	return func(ctx context.Context, it abaco.Item) error {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
		s.add(it.Payload)
		return nil
	}
}
