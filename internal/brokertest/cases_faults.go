package brokertest

import (
	"testing"
	"time"

	"abaco"
)

// The cases behind the queue runtime's fault handling: reconciling a
// consumer's processing list after a lost take reply, fencing a consumer
// that was reaped while cut off, and counting redeliveries by cause.

func leased(t *testing.T, b abaco.Broker, q, c string) []string {
	t.Helper()
	l, err := b.Leased(ctx(t), q, c)
	if err != nil {
		t.Fatalf("Leased: %v", err)
	}
	return l
}

func testLeased(t *testing.T, b abaco.Broker, q string) {
	if l := leased(t, b, q, "c1"); len(l) != 0 {
		t.Fatalf("Leased of an unknown consumer = %q, want none", l)
	}
	push(t, b, q, "1", "2", "2", "3")
	take(t, b, q, "c1", 3)
	take(t, b, q, "c2", 1)
	equal(t, "c1 leased", leased(t, b, q, "c1"), []string{"1", "2", "2"})
	equal(t, "c2 leased", leased(t, b, q, "c2"), []string{"3"})
}

func testAckCount(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "2", "2")
	take(t, b, q, "c1", 3)
	cases := []struct {
		name     string
		payloads []string
		want     int
	}{
		{"all leased", []string{"1", "2"}, 2},
		{"one leased of two equal", []string{"2", "2"}, 1},
		{"none leased", []string{"nope"}, 0},
	}
	for _, c := range cases {
		n, err := b.Ack(ctx(t), q, "c1", c.payloads...)
		if err != nil || n != c.want {
			t.Fatalf("%s: Ack = %d, %v; want %d", c.name, n, err, c.want)
		}
	}
}

// reap polls the reaper until it has redelivered something.
func reap(t *testing.T, b abaco.Broker, q string) int {
	t.Helper()
	reaped := 0
	eventually(t, "the reaper", func() bool {
		n, err := b.Reap(ctx(t), q)
		if err != nil {
			t.Fatalf("Reap: %v", err)
		}
		reaped += n
		return reaped > 0
	})
	return reaped
}

func beat(t *testing.T, b abaco.Broker, q, c string, ttl time.Duration) bool {
	t.Helper()
	reaped, err := b.Heartbeat(ctx(t), q, c, ttl, time.Time{})
	if err != nil {
		t.Fatalf("Heartbeat: %v", err)
	}
	return reaped
}

func testFenced(t *testing.T, b abaco.Broker, q string) {
	if beat(t, b, q, "c1", 100*time.Millisecond) {
		t.Fatal("first heartbeat reported a reap")
	}
	// Reaped with nothing leased: nothing was handed back, so nothing to
	// fence.
	heartbeat(t, b, q, "idle", 50*time.Millisecond)
	push(t, b, q, "1", "2")
	take(t, b, q, "c1", 2)
	reap(t, b, q)
	if !beat(t, b, q, "c1", time.Minute) {
		t.Fatal("heartbeat after a reap did not report it")
	}
	if beat(t, b, q, "c1", time.Minute) {
		t.Fatal("the reap was reported twice")
	}
	if beat(t, b, q, "idle", time.Minute) {
		t.Fatal("a consumer reaped with nothing leased was told it was reaped")
	}
	// A consumer that leaves is not told of an older reap when it comes
	// back under the same id.
	heartbeat(t, b, q, "c2", 50*time.Millisecond)
	take(t, b, q, "c2", 2)
	reap(t, b, q)
	if _, err := b.Leave(ctx(t), q, "c2"); err != nil {
		t.Fatal(err)
	}
	if beat(t, b, q, "c2", time.Minute) {
		t.Fatal("a reap before Leave was reported after it")
	}
}

func testRedeliveries(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "2", "3", "4")
	heartbeat(t, b, q, "dying", 50*time.Millisecond)
	take(t, b, q, "dying", 3)
	if n := reap(t, b, q); n != 3 {
		t.Fatalf("reaped %d, want 3", n)
	}
	// The dead consumer comes back and finishes two of its items, and
	// buries the third: all three leases were lost.
	if n, err := b.Ack(ctx(t), q, "dying", "1", "2"); err != nil || n != 0 {
		t.Fatalf("Ack of reaped items = %d, %v; want 0", n, err)
	}
	if ok, err := b.Bury(ctx(t), q, "dying", abaco.DeadLetter{Payload: "3", Reason: "r"}); err != nil || ok {
		t.Fatalf("Bury of a reaped item = %v, %v; want false", ok, err)
	}
	take(t, b, q, "c2", 1)
	for range 2 {
		if _, err := b.Fail(ctx(t), q, "1"); err != nil {
			t.Fatal(err)
		}
	}
	want := abaco.Redeliveries{ConsumerDied: 3, LeaseLost: 3, HandlerError: 2}
	if got := stats(t, b, q).Redelivered; got != want {
		t.Fatalf("redeliveries = %+v, want %+v", got, want)
	}
}

func testOldestUnknown(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "2")
	heartbeat(t, b, q, "a", time.Minute) // reports no lease: idle when it beat
	take(t, b, q, "a", 1)
	s := stats(t, b, q)
	if len(s.Consumers) != 1 || !s.Consumers[0].OldestUnknown || s.Consumers[0].OldestLease != 0 || !s.OldestUnknown {
		t.Fatalf("stats = %+v, want consumer a's oldest unknown", s)
	}
	if _, err := b.Ack(ctx(t), q, "a", "1"); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, b, q); s.OldestUnknown || s.Consumers[0].OldestUnknown {
		t.Fatalf("stats of an idle consumer = %+v, want no unknown age", s)
	}
}
