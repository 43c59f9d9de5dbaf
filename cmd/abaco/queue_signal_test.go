package main

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"abaco"
)

// testRedeliveryTime SIGKILLs a consumer holding an item and measures how
// long a waiting consumer (default settings) takes to process it.
func testRedeliveryTime(t *testing.T, b *binary, broker abaco.Broker) {
	holder := b.start(t, "consume", "--delay", "1h")
	until(t, 10*time.Second, "the holder to register", func() bool {
		return len(queueStats(t, broker, "number_queue").Consumers) == 1
	})
	b.run(t, "produce", "42")
	until(t, 10*time.Second, "the holder to lease the item", func() bool {
		return queueStats(t, broker, "number_queue").InFlight == 1
	})
	waiter := b.start(t, "consume", "--delay", "0")
	until(t, 10*time.Second, "the waiter to register", func() bool {
		return len(queueStats(t, broker, "number_queue").Consumers) == 2
	})
	holder.kill()
	killed := time.Now()
	until(t, 10*time.Second, "the redelivered item", func() bool {
		return strings.Contains(waiter.out.String(), "processed 42\n")
	})
	took := time.Since(killed)
	t.Logf("redelivered %s after SIGKILL", took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Fatalf("redelivery took %s, want under 5s", took)
	}
}

// testSIGTERM stops a consumer in the middle of slow items: it must exit
// promptly and give every unfinished item back, in order.
func testSIGTERM(t *testing.T, b *binary, broker abaco.Broker) {
	var want []string
	for i := 1; i <= 20; i++ {
		want = append(want, strconv.Itoa(i))
	}
	b.run(t, append([]string{"produce"}, want...)...)
	p := b.start(t, "consume", "--delay", "1h", "--concurrency", "3")
	until(t, 10*time.Second, "items in flight", func() bool {
		return queueStats(t, broker, "number_queue").InFlight >= 3
	})
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("consume did not exit within 5s of SIGTERM")
	}
	if p.waitEr != nil {
		t.Fatalf("consume exited with %v\n%s", p.waitEr, p.err.String())
	}
	s := queueStats(t, broker, "number_queue")
	if s.Depth != 20 || s.InFlight != 0 || len(s.Consumers) != 0 {
		t.Fatalf("after SIGTERM: %+v; want all 20 back and no consumer", s)
	}
	got, err := b.srv.Do("LRANGE", "number_queue", "0", "-1")
	if err != nil || got != strings.Join(want, "\n") {
		t.Fatalf("queue after SIGTERM = %q, %v; want 1..20 in order", got, err)
	}
	if out := p.out.String(); out != "" {
		t.Fatalf("nothing should have been processed, got %q", out)
	}
}

// ordered checks that vals are exactly want, in order.
func ordered(t *testing.T, what string, vals, want []string) {
	t.Helper()
	if fmt.Sprint(vals) != fmt.Sprint(want) {
		t.Fatalf("%s = %v, want %v", what, vals, want)
	}
}
