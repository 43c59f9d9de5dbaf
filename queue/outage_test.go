package queue_test

import (
	"context"
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
