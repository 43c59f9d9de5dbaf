package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"abaco"
	"abaco/queue"
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

// testIdleSIGTERM stops an idle worker and an idle consumer, each blocked
// on an empty queue, with SIGTERM: each must exit at once. The bound is
// 1s, loose for a loaded machine, where it took up to Block (1s) while
// the blocking take was waited for; the time taken is logged (a few ms).
func testIdleSIGTERM(t *testing.T, b *binary, broker abaco.Broker) {
	for _, tc := range []struct {
		queue string
		args  []string
	}{
		{queue.DefaultJobQueue, []string{"worker"}},
		{queue.DefaultQueue, []string{"consume"}},
	} {
		// A -race binary otherwise sleeps 1s on exit, for late reports.
		p := startProc(t, append(os.Environ(), "REDIS_URL="+b.srv.URL, "GORACE=atexit_sleep_ms=0"), b.path, tc.args...)
		until(t, 10*time.Second, tc.args[0]+"'s start-up line", func() bool {
			return strings.Contains(p.err.String(), `"msg":"abaco `+tc.args[0]+` running"`)
		})
		until(t, 10*time.Second, tc.args[0]+" to register", func() bool {
			return len(queueStats(t, broker, tc.queue).Consumers) == 1
		})
		// Idle: its take is blocked in BLMOVE on the empty queue.
		until(t, 10*time.Second, tc.args[0]+" to block in BLMOVE", func() bool {
			l, err := b.srv.Do("CLIENT", "LIST")
			return err == nil && strings.Contains(l, " cmd=blmove ")
		})
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		sent := time.Now()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s did not exit within 5s of SIGTERM", tc.args[0])
		}
		took := time.Since(sent)
		t.Logf("idle %s exited %s after SIGTERM", tc.args[0], took.Round(time.Millisecond))
		if p.waitEr != nil {
			t.Fatalf("%s exited with %v\n%s", tc.args[0], p.waitEr, p.err.String())
		}
		if took > time.Second {
			t.Errorf("idle %s took %s to exit after SIGTERM, want under 1s", tc.args[0], took)
		}
		if s := queueStats(t, broker, tc.queue); len(s.Consumers) != 0 {
			t.Errorf("after SIGTERM, %s left %+v", tc.args[0], s)
		}
	}
}
