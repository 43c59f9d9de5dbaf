package main

import (
	"encoding/json"
	"flag"
	"strconv"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
)

// longTopology enables the slow Sentinel scenarios (failovers under a
// consumer): go test ./cmd/abaco -run TestSentinelFailover -topology.long
var longTopology = flag.Bool("topology.long", false, "run the slow Sentinel failover scenarios")

// TestServeBeforeSentinels starts serve with a redis+sentinel:// URL
// while every sentinel is down: it must start, answer /evaluate, and
// become ready, with no degraded entry, once the sentinels are up; then
// evaluate, produce and consume go through the same URL to the master.
func TestServeBeforeSentinels(t *testing.T) {
	t.Parallel()
	sn := redistest.NewSentinels(t)
	base, logs, stop := startServer(t, testConfig(t, "--redis-url", sn.URL, "--workers", "1"), nil)
	if code, m := getJSON(t, base+"/readyz"); code != 200 || m["status"] != "degraded" {
		t.Fatalf("/readyz with the sentinels down: %d %v, want 200 degraded", code, m)
	}
	if resp, m := post(t, base+"/evaluate", `{"expressao": "6*7"}`); resp.StatusCode != 200 || m["resultado"] != json.Number("42") {
		t.Fatalf("/evaluate with the sentinels down: %d %v", resp.StatusCode, m)
	}
	sn.Up()
	if m := waitReady(t, base, 200, "ready", logs); m["degraded"] != nil {
		t.Fatalf("/readyz once the sentinels are up: %v, want no degraded entry", m)
	}
	resp, _ := post(t, base+"/jobs", `{"expressao": "2**10"}`)
	if resp.StatusCode != 202 {
		t.Fatalf("POST /jobs through the sentinels: %d", resp.StatusCode)
	}
	waitJob(t, base+resp.Header.Get("Location"), "1024")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runWith(sn.URL, "", "produce", "--queue", "sq", "1..50"); code != 0 {
		t.Fatalf("produce through the sentinels: %d %s %s", code, out, errs)
	}
	if got := sn.Master.MustDo("LLEN", "sq"); got != "50" {
		t.Fatalf("LLEN sq on the master = %s, want 50", got)
	}
	consumeAll(t, sn.URL, "sq", 50)
}

// consumeAll runs consume on queue q through url until it has processed
// n items, and checks that it stops cleanly.
func consumeAll(t *testing.T, url, q string, n int) {
	t.Helper()
	c := startInProcess(url, "consume", "--queue", q, "--delay", "0")
	until(t, 20*time.Second, strconv.Itoa(n)+" items consumed", func() bool { return len(processed(c.out.String())) == n })
	if code := c.stop(t); code != 0 {
		t.Fatalf("consume exited %d: %s", code, c.err.String())
	}
}

// TestCommandsOverClusterCommaURL runs produce, queue stats and consume
// with a cluster named in the comma form, which used to be taken as one
// unresolvable host.
func TestCommandsOverClusterCommaURL(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t)
	url := "redis://" + cl.Nodes[0].Addr + "," + cl.Nodes[1].Addr + "," + cl.Nodes[2].Addr
	if code, out, errs := runWith(url, "", "produce", "--queue", "cq", "1..20"); code != 0 {
		t.Fatalf("produce: %d %s %s", code, out, errs)
	}
	if code, out, errs := runWith(url, "", "queue", "stats", "cq"); code != 0 || !strings.Contains(out, "depth      20") {
		t.Fatalf("queue stats: %d %q %s, want depth 20", code, out, errs)
	}
	consumeAll(t, url, "cq", 20)
}

// TestCommandsWaitForRedis checks start-and-wait: consume and worker
// started with Redis down keep running, say so once, and work once it is
// up; produce waits up to --connect-timeout, succeeding when Redis comes
// up in time and failing with a clear message when it does not.
func TestCommandsWaitForRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	srv.Stop()
	code, _, errs := runWith(srv.URL, "", "produce", "--connect-timeout", "300ms", "1")
	if code != 1 || !strings.Contains(errs, "not reachable within 300ms (--connect-timeout") {
		t.Fatalf("produce with Redis down: exit %d, %q; want 1 and the timeout named", code, errs)
	}
	c := startInProcess(srv.URL, "consume", "--delay", "0", "--log-level", "info")
	w := startInProcess(srv.URL, "worker", "--log-level", "info")
	for _, p := range []*inProcess{c, w} {
		until(t, 10*time.Second, "the connect failure logged", func() bool { return strings.Contains(p.err.String(), "redis: connect failed; retrying") })
	}
	produced := make(chan int, 1)
	go func() {
		code, _, _ := runWith(srv.URL, "", "produce", "--connect-timeout", "20s", "1..3")
		produced <- code
	}()
	time.Sleep(500 * time.Millisecond) // produce is waiting: Redis starts after it
	srv.Restart()
	if code := <-produced; code != 0 {
		t.Fatalf("produce with Redis up within --connect-timeout: exit %d", code)
	}
	until(t, 20*time.Second, "3 items consumed", func() bool { return len(processed(c.out.String())) == 3 })
	for name, p := range map[string]*inProcess{"consume": c, "worker": w} {
		if code := p.stop(t); code != 0 {
			t.Errorf("%s exited %d: %s", name, code, p.err.String())
		}
		if n := strings.Count(p.err.String(), "redis: connect failed"); n != 1 {
			t.Errorf("%s logged the connect failure %d times, want once:\n%s", name, n, p.err.String())
		}
		if !strings.Contains(p.err.String(), "redis: connect recovered") {
			t.Errorf("%s did not log that it connected:\n%s", name, p.err.String())
		}
	}
}

// TestRefusedLoginDoesNotWait checks that --connect-timeout does not
// delay a refused login: waiting would not fix it.
func TestRefusedLoginDoesNotWait(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--user", "alice", "on", ">s3cret", "~*", "+@all")
	start := time.Now()
	code, _, errs := runWith("redis://alice:wrong@"+srv.Addr, "", "produce", "--connect-timeout", "20s", "1")
	if d := time.Since(start); code != 1 || d > 5*time.Second || !strings.Contains(errs, "WRONGPASS") || strings.Contains(errs, "--connect-timeout") {
		t.Fatalf("produce with a wrong password: exit %d after %v, %q; want 1 at once, WRONGPASS", code, d, errs)
	}
}

// TestSentinelFailover consumes a ledger of ids through a redis+sentinel://
// URL while the master fails over, by SIGKILL and by SENTINEL FAILOVER:
// the consumer must resume on the promoted replica and process every id
// (at least once; a SIGKILL may redeliver). The items are all replicated
// before the consumer starts, so a loss would be the consumer's.
func TestSentinelFailover(t *testing.T) {
	if !*longTopology {
		t.Skip("slow: run with -topology.long")
	}
	for _, tt := range []struct {
		name     string
		failover func(*redistest.Sentinels)
	}{
		{"SIGKILL", (*redistest.Sentinels).KillMaster},
		{"SENTINEL FAILOVER", (*redistest.Sentinels).Failover},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const n = 2000
			sn := redistest.StartSentinels(t)
			if code, _, errs := runWith(sn.URL, "", "produce", "1.."+strconv.Itoa(n)); code != 0 {
				t.Fatalf("produce: %s", errs)
			}
			until(t, 10*time.Second, "the replica to hold every item", func() bool {
				got, _ := sn.Replica.Do("LLEN", "number_queue")
				return got == strconv.Itoa(n)
			})
			c := startInProcess(sn.URL, "consume", "--delay", "5ms", "--concurrency", "4")
			until(t, 20*time.Second, "a quarter consumed", func() bool { return len(processed(c.out.String())) >= n/4 })
			start := time.Now()
			tt.failover(sn)
			sn.WaitFailover()
			promoted, before := time.Since(start), len(processed(c.out.String()))
			until(t, 30*time.Second, "consume to resume", func() bool { return len(processed(c.out.String())) > before })
			resumed := time.Since(start) - promoted
			until(t, 60*time.Second, "every id consumed", func() bool { return len(printedIDs(c.out.String())) == n })
			if code := c.stop(t); code != 0 {
				t.Fatalf("consume exited %d: %s", code, c.err.String())
			}
			seen := printedIDs(c.out.String())
			for i := 1; i <= n; i++ {
				if seen[strconv.Itoa(i)] == 0 {
					t.Errorf("id %d lost", i)
				}
			}
			t.Logf("%s: promoted after %v, consume resumed %v later; %d ids, %d deliveries (%d redelivered)",
				tt.name, promoted.Round(time.Millisecond), resumed.Round(time.Millisecond), len(seen), len(processed(c.out.String())), len(processed(c.out.String()))-len(seen))
		})
	}
}

// printedIDs counts how many times consume printed each id.
func printedIDs(out string) map[string]int {
	seen := map[string]int{}
	for _, v := range processed(out) {
		seen[v]++
	}
	return seen
}
