package queue_test

import (
	"context"
	"testing"

	"abaco"
	"abaco/internal/brokertest"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
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
