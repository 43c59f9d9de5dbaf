package queue_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"abaco"
	"abaco/inmem"
	"abaco/internal/brokertest"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/queue"
	"abaco/rdb"
)

// brokers returns the brokers every runtime test runs against: embedded,
// Redis, and a Redis Cluster (where every script must stay in one slot).
func brokers(t *testing.T) map[string]abaco.Broker {
	open := func(url string) abaco.Broker { return rdb.NewBroker(rdbtest.Open(t, url)) }
	return map[string]abaco.Broker{
		"inmem":   inmem.NewBroker(),
		"redis":   open(redistest.Start(t).URL),
		"cluster": open(redistest.StartCluster(t).URL),
	}
}

// fast are options for tests: short heartbeats and backoff.
func fast(t *testing.T, q string) queue.Options {
	return queue.Options{Queue: q, Concurrency: 4, Heartbeat: 50 * time.Millisecond,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Block: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
}

// consumer runs a consumer until the test ends or stop is called.
type consumer struct {
	stop context.CancelFunc
	done chan error
}

func start(t *testing.T, b abaco.Broker, h queue.Handler, o queue.Options) *consumer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &consumer{stop: cancel, done: make(chan error, 1)}
	go func() { c.done <- queue.NewConsumer(b, h, o).Run(ctx) }()
	t.Cleanup(func() { c.stop(); <-c.done })
	return c
}

func (c *consumer) Stop(t *testing.T) {
	t.Helper()
	c.stop()
	if err := <-c.done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	c.done <- nil // for the cleanup
}

// waitFor polls cond (every 5ms, up to 20s): the runtime is asynchronous.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func stats(t *testing.T, b abaco.Broker, q string) abaco.QueueStats {
	t.Helper()
	s, err := b.Stats(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seen records handler calls.
type seen struct {
	mu     sync.Mutex
	counts map[string]int
	order  []string
}

func (s *seen) add(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	s.counts[p]++
	s.order = append(s.order, p)
	return s.counts[p]
}

func (s *seen) count(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[p]
}

func (s *seen) distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.counts)
}

func TestConsumer(t *testing.T) {
	for name, b := range brokers(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("processes everything and acknowledges it", func(t *testing.T) { t.Parallel(); testAll(t, b) })
			t.Run("retries with backoff then succeeds", func(t *testing.T) { t.Parallel(); testRetry(t, b) })
			t.Run("dead-letters after max attempts", func(t *testing.T) { t.Parallel(); testMaxAttempts(t, b) })
			t.Run("dead-letters permanent failures at once", func(t *testing.T) { t.Parallel(); testPermanent(t, b) })
			t.Run("shutdown returns in-flight items in order", func(t *testing.T) { t.Parallel(); testShutdown(t, b) })
			t.Run("reaps a dead consumer", func(t *testing.T) { t.Parallel(); testReaps(t, b) })
			t.Run("fifo with one worker", func(t *testing.T) { t.Parallel(); testFIFO(t, b) })
		})
	}
}

func numbers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i + 1)
	}
	return out
}

func testAll(t *testing.T, b abaco.Broker) {
	q := brokertest.Queue(t)
	if err := b.Push(context.Background(), q, numbers(2000)...); err != nil {
		t.Fatal(err)
	}
	var s seen
	start(t, b, func(_ context.Context, it abaco.Item) error { s.add(it.Payload); return nil }, fast(t, q))
	waitFor(t, "all items", func() bool { return s.distinct() == 2000 })
	waitFor(t, "all acks", func() bool { st := stats(t, b, q); return st.Depth == 0 && st.InFlight == 0 })
}

func testRetry(t *testing.T, b abaco.Broker) {
	q := brokertest.Queue(t)
	var s seen
	var attempts []int
	var mu sync.Mutex
	start(t, b, func(_ context.Context, it abaco.Item) error {
		mu.Lock()
		attempts = append(attempts, it.Attempts)
		mu.Unlock()
		if s.add(it.Payload) < 3 {
			return errors.New("flaky")
		}
		return nil
	}, fast(t, q))
	if err := b.Push(context.Background(), q, "x"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three attempts and an ack", func() bool {
		st := stats(t, b, q)
		return s.distinct() == 1 && s.count("x") == 3 && st.InFlight == 0
	})
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(attempts) != "[1 2 3]" {
		t.Fatalf("attempts seen = %v, want [1 2 3]", attempts)
	}
	if st := stats(t, b, q); st.Dead != 0 {
		t.Fatalf("dead = %d", st.Dead)
	}
}

func testMaxAttempts(t *testing.T, b abaco.Broker) {
	q := brokertest.Queue(t)
	var s seen
	o := fast(t, q)
	o.MaxAttempts = 3
	start(t, b, func(_ context.Context, it abaco.Item) error { s.add(it.Payload); return errors.New("boom") }, o)
	if err := b.Push(context.Background(), q, "bad"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a dead letter", func() bool { return stats(t, b, q).Dead == 1 })
	dead, err := b.Dead(context.Background(), q, 0)
	if err != nil || len(dead) != 1 || dead[0].Payload != "bad" || dead[0].Reason != "boom" || dead[0].Attempts != 3 {
		t.Fatalf("dead = %+v, %v", dead, err)
	}
	if n := s.count("bad"); n != 3 {
		t.Fatalf("handler ran %d times, want 3", n)
	}
}

func testPermanent(t *testing.T, b abaco.Broker) {
	q := brokertest.Queue(t)
	var s seen
	start(t, b, func(_ context.Context, it abaco.Item) error {
		s.add(it.Payload)
		return queue.Permanent(fmt.Errorf("not a number: %q", it.Payload))
	}, fast(t, q))
	if err := b.Push(context.Background(), q, "abc"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a dead letter", func() bool { return stats(t, b, q).Dead == 1 })
	dead, _ := b.Dead(context.Background(), q, 0)
	if dead[0].Reason != `not a number: "abc"` || dead[0].Attempts != 1 || s.count("abc") != 1 {
		t.Fatalf("dead = %+v, handler ran %d times", dead, s.count("abc"))
	}
}

func testShutdown(t *testing.T, b abaco.Broker) {
	q := brokertest.Queue(t)
	if err := b.Push(context.Background(), q, numbers(50)...); err != nil {
		t.Fatal(err)
	}
	started := make(chan string, 100)
	o := fast(t, q)
	o.Concurrency, o.Batch = 2, 10
	c := start(t, b, func(ctx context.Context, it abaco.Item) error {
		started <- it.Payload
		<-ctx.Done() // a long job: only shutdown ends it
		return ctx.Err()
	}, o)
	<-started
	<-started
	c.Stop(t)
	st := stats(t, b, q)
	if st.Depth != 50 || st.InFlight != 0 || len(st.Consumers) != 0 {
		t.Fatalf("after shutdown: %+v, want all 50 back and no consumers", st)
	}
	items, err := b.Take(context.Background(), q, "check", 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		if it.Payload != strconv.Itoa(i+1) || it.Attempts != 1 {
			t.Fatalf("item %d = %+v: order or attempts changed", i, it)
		}
	}
}

func testReaps(t *testing.T, b abaco.Broker) {
	q := brokertest.Queue(t)
	ctx := context.Background()
	if err := b.Push(ctx, q, "1", "2", "3"); err != nil {
		t.Fatal(err)
	}
	// A consumer that takes items and dies: its heartbeat lapses.
	if _, err := b.Heartbeat(ctx, q, "dead", 30*time.Millisecond, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Take(ctx, q, "dead", 2, 0); err != nil {
		t.Fatal(err)
	}
	var s seen
	var mu sync.Mutex
	att := map[string]int{}
	start(t, b, func(_ context.Context, it abaco.Item) error {
		mu.Lock()
		att[it.Payload] = it.Attempts
		mu.Unlock()
		s.add(it.Payload)
		return nil
	}, fast(t, q))
	waitFor(t, "redelivery", func() bool { return s.distinct() == 3 })
	mu.Lock()
	defer mu.Unlock()
	if att["1"] != 2 || att["2"] != 2 || att["3"] != 1 {
		t.Fatalf("attempts = %v, want 1 and 2 redelivered", att)
	}
}

func testFIFO(t *testing.T, b abaco.Broker) {
	q := brokertest.Queue(t)
	if err := b.Push(context.Background(), q, numbers(300)...); err != nil {
		t.Fatal(err)
	}
	var s seen
	o := fast(t, q)
	o.Concurrency = 1
	start(t, b, func(_ context.Context, it abaco.Item) error { s.add(it.Payload); return nil }, o)
	waitFor(t, "all items", func() bool { return s.distinct() == 300 })
	s.mu.Lock()
	defer s.mu.Unlock()
	if fmt.Sprint(s.order) != fmt.Sprint(numbers(300)) {
		t.Fatalf("order = %v", s.order)
	}
}
