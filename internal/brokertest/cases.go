package brokertest

import (
	"strconv"
	"testing"
	"time"

	"abaco"
)

func testFIFO(t *testing.T, b abaco.Broker, q string) {
	var want []string
	for i := 1; i <= 25; i++ {
		want = append(want, strconv.Itoa(i))
	}
	push(t, b, q, want[:10]...)
	push(t, b, q, want[10:]...)
	got := take(t, b, q, "c1", 7)
	equal(t, "first batch", payloads(got), want[:7])
	equal(t, "attempts", attempts(got), []int{1, 1, 1, 1, 1, 1, 1})
	got = append(got, take(t, b, q, "c2", 100)...)
	equal(t, "all", payloads(got), want)
	if rest := take(t, b, q, "c1", 5); len(rest) != 0 {
		t.Fatalf("empty queue gave %q", payloads(rest))
	}
}

func testPayloads(t *testing.T, b abaco.Broker, q string) {
	want := []string{"42", "-3.5", "", "hello world", "ünïcödé ✓", "a\nb\x00c", `{"payload":"x"}`}
	push(t, b, q, want...)
	equal(t, "payloads", payloads(drain(t, b, q)), want)
	// An empty payload taken by a blocking take must survive too.
	done := make(chan []abaco.Item)
	go func() {
		items, _ := b.Take(ctx(t), q, "c", 10, 5*time.Second)
		done <- items
	}()
	push(t, b, q, "")
	got := <-done
	equal(t, "blocking empty payload", payloads(got), []string{""})
}

func testBlockingTake(t *testing.T, b abaco.Broker, q string) {
	done := make(chan []abaco.Item, 1)
	errc := make(chan error, 1)
	go func() {
		items, err := b.Take(ctx(t), q, "c1", 10, 10*time.Second)
		done <- items
		errc <- err
	}()
	// Give the take a moment to block; it must succeed either way.
	time.Sleep(50 * time.Millisecond)
	push(t, b, q, "7")
	items := <-done
	if err := <-errc; err != nil {
		t.Fatalf("Take: %v", err)
	}
	equal(t, "blocking take", payloads(items), []string{"7"})
	s := stats(t, b, q)
	if s.InFlight != 1 || s.Depth != 0 {
		t.Fatalf("after blocking take: in flight %d, depth %d, want 1, 0", s.InFlight, s.Depth)
	}
}

func testTakeTimeout(t *testing.T, b abaco.Broker, q string) {
	items, err := b.Take(ctx(t), q, "c1", 10, 20*time.Millisecond)
	if err != nil || len(items) != 0 {
		t.Fatalf("Take on empty queue = %v, %v; want nothing", items, err)
	}
}

func testAck(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "2", "3", "4")
	items := take(t, b, q, "c1", 4)
	if _, err := b.Fail(ctx(t), q, "3"); err != nil {
		t.Fatal(err)
	}
	// Out of order, and with a payload that is not leased.
	if _, err := b.Ack(ctx(t), q, "c1", "3", "1", "nope"); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, b, q); s.InFlight != 2 {
		t.Fatalf("in flight after ack = %d, want 2", s.InFlight)
	}
	if _, err := b.Ack(ctx(t), q, "c1", payloads(items[1:2])...); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Ack(ctx(t), q, "c1", "4"); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, b, q); s.InFlight != 0 {
		t.Fatalf("in flight after acks = %d, want 0", s.InFlight)
	}
	push(t, b, q, "3")
	equal(t, "attempts after ack", attempts(take(t, b, q, "c1", 1)), []int{1})
}

func testDuplicates(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "5", "5", "5")
	equal(t, "taken", payloads(take(t, b, q, "c1", 3)), []string{"5", "5", "5"})
	if _, err := b.Ack(ctx(t), q, "c1", "5"); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, b, q); s.InFlight != 2 {
		t.Fatalf("in flight = %d, want 2 (one of three acked)", s.InFlight)
	}
}

func testFail(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "x")
	take(t, b, q, "c1", 1)
	for want := 2; want <= 4; want++ {
		n, err := b.Fail(ctx(t), q, "x")
		if err != nil || n != want {
			t.Fatalf("Fail = %d, %v; want %d", n, err, want)
		}
	}
	if err := b.Return(ctx(t), q, "c1", "x"); err != nil {
		t.Fatal(err)
	}
	equal(t, "attempts after return", attempts(take(t, b, q, "c2", 1)), []int{4})
}

func testReturn(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "2", "3", "4", "5")
	take(t, b, q, "c1", 3)
	if err := b.Return(ctx(t), q, "c1", "2", "3", "zz"); err != nil {
		t.Fatal(err)
	}
	got := drain(t, b, q)
	equal(t, "after return", payloads(got), []string{"2", "3", "4", "5"})
	equal(t, "attempts", attempts(got), []int{1, 1, 1, 1})
	if s := stats(t, b, q); s.InFlight != 1 {
		t.Fatalf("c1 in flight = %d, want 1", s.InFlight)
	}
}

func testReap(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "2", "3", "4", "5")
	heartbeat(t, b, q, "dying", 100*time.Millisecond)
	take(t, b, q, "dying", 3)
	if reaped := reap(t, b, q); reaped != 3 {
		t.Fatalf("reaped %d items, want 3", reaped)
	}
	got := drain(t, b, q)
	equal(t, "order after reap", payloads(got), []string{"1", "2", "3", "4", "5"})
	equal(t, "attempts after reap", attempts(got), []int{2, 2, 2, 1, 1})
	for _, c := range stats(t, b, q).Consumers {
		if c.ID == "dying" {
			t.Fatalf("reaped consumer still registered: %+v", c)
		}
	}
}

func testReapSparesLive(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "2")
	heartbeat(t, b, q, "alive", time.Minute)
	take(t, b, q, "alive", 2)
	if n, err := b.Reap(ctx(t), q); err != nil || n != 0 {
		t.Fatalf("Reap = %d, %v; want 0", n, err)
	}
	s := stats(t, b, q)
	if len(s.Consumers) != 1 || !s.Consumers[0].Alive || s.Consumers[0].InFlight != 2 {
		t.Fatalf("consumers = %+v, want one alive with 2 in flight", s.Consumers)
	}
}

func testLeave(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "2", "3")
	heartbeat(t, b, q, "c1", time.Minute)
	take(t, b, q, "c1", 2)
	n, err := b.Leave(ctx(t), q, "c1")
	if err != nil || n != 2 {
		t.Fatalf("Leave = %d, %v; want 2", n, err)
	}
	if s := stats(t, b, q); len(s.Consumers) != 0 || s.Depth != 3 {
		t.Fatalf("after leave: %+v", s)
	}
	got := drain(t, b, q)
	equal(t, "after leave", payloads(got), []string{"1", "2", "3"})
	equal(t, "attempts after leave", attempts(got), []int{1, 1, 1})
}
