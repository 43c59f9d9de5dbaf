package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"abaco"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/queue"
	"abaco/rdb"
)

// The commands on a Redis Cluster, addressed as redis://a?addr=b&addr=c:
// a queue's keys share one slot ({queue} hash tags), so everything the
// queue does runs on one master, and a failover of that master is what
// the consumers must survive.

// clusterStats runs "queue stats --json" for q on url.
func clusterStats(t *testing.T, url, q string) statsJSON {
	t.Helper()
	code, out, errs := runWith(url, "", "queue", "stats", "--json", q)
	if code != 0 {
		t.Fatalf("queue stats %s: %d %s", q, code, errs)
	}
	var s statsJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("queue stats --json: %v\n%s", err, out)
	}
	return s
}

// ledger counts the ids 1..n that consumers printed: lost are never
// printed, extra were printed but never produced, dups printed again.
type ledger struct{ lost, extra, dups int }

func ledgerOf(n int, consumers []*inProcess) ledger {
	counts := map[string]int{}
	for _, p := range consumers {
		for _, v := range processed(p.out.String()) {
			counts[v]++
		}
	}
	var l ledger
	for i := 1; i <= n; i++ {
		c := counts[strconv.Itoa(i)]
		if c == 0 {
			l.lost++
		}
		l.dups += max(c-1, 0)
		delete(counts, strconv.Itoa(i))
	}
	l.extra = len(counts)
	return l
}

// distinctProcessed is how many different values consumers printed.
func distinctProcessed(consumers []*inProcess) int {
	seen := map[string]bool{}
	for _, p := range consumers {
		for _, v := range processed(p.out.String()) {
			seen[v] = true
		}
	}
	return len(seen)
}

// startConsumers starts n in-process "abaco consume" on url with args.
func startConsumers(url string, n int, args ...string) []*inProcess {
	var ps []*inProcess
	for range n {
		ps = append(ps, startInProcess(url, append([]string{"consume"}, args...)...))
	}
	return ps
}

// drain waits until the consumers printed every id of 1..n and b's queue
// has nothing waiting or in flight while they still run, stops them, and
// returns the ledger, failing t on a lost or invented id. b is a client
// opened before any failover: opening one afterwards may PING the dead
// node (issue 12, item 4).
func drain(t *testing.T, b abaco.Broker, n int, consumers []*inProcess) ledger {
	t.Helper()
	until(t, 60*time.Second, fmt.Sprintf("%d ids processed", n), func() bool { return distinctProcessed(consumers) == n })
	until(t, 20*time.Second, "nothing waiting or in flight", func() bool {
		s := queueStats(t, b, queue.DefaultQueue)
		return s.Depth == 0 && s.InFlight == 0
	})
	for _, p := range consumers {
		if code := p.stop(t); code != 0 {
			t.Fatalf("consume exited %d: %s", code, p.err.String())
		}
	}
	l := ledgerOf(n, consumers)
	if l.lost != 0 || l.extra != 0 {
		t.Fatalf("ledger %+v: want 0 lost, 0 invented", l)
	}
	return l
}

// TestClusterCommands runs produce, two consumers and queue stats on a
// 3-master cluster (2,000 ids: 0 lost, 0 stranded, both consumers busy,
// stats right while they run and after they stop), then jobs through a
// serve and a worker on the same cluster.
func TestClusterCommands(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t)
	const n = 2000
	if code, out, errs := runWith(cl.URL, "", "produce", "1.."+strconv.Itoa(n)); code != 0 || !strings.HasPrefix(out, "produced 2000 items onto number_queue") {
		t.Fatalf("produce: %d %q %s", code, out, errs)
	}
	if s := clusterStats(t, cl.URL, queue.DefaultQueue); s.Depth != n || s.InFlight != 0 || len(s.Consumers) != 0 {
		t.Fatalf("queue stats after produce: %+v, want depth %d and nothing else", s, n)
	}
	consumers := startConsumers(cl.URL, 2, "--delay", "1ms", "--concurrency", "2", "--batch", "20")
	until(t, 60*time.Second, "both consumers registered", func() bool {
		return len(clusterStats(t, cl.URL, queue.DefaultQueue).Consumers) == 2
	})
	l := drain(t, rdb.NewBroker(rdbtest.Open(t, cl.URL)), n, consumers)
	for i, p := range consumers {
		if len(processed(p.out.String())) == 0 {
			t.Errorf("consumer %d processed nothing: the queue was not shared", i)
		}
	}
	s := clusterStats(t, cl.URL, queue.DefaultQueue)
	if s.Depth != 0 || s.InFlight != 0 || s.Dead != 0 || len(s.Consumers) != 0 {
		t.Errorf("queue stats after the consumers stopped: %+v, want all zero", s)
	}
	t.Logf("%d ids by two consumers on a cluster: %+v", n, l)

	base, logs, stop := startServer(t, testConfig(t, "--redis-url", cl.URL, "--workers", "0"), nil)
	waitReady(t, base, 200, "ready", logs)
	w := startInProcess(cl.URL, "worker", "--concurrency", "2")
	for i := range 20 {
		resp, _ := post(t, base+"/jobs", fmt.Sprintf(`{"expressao": "%d * 3"}`, i))
		if resp.StatusCode != 202 {
			t.Fatalf("POST /jobs: %d", resp.StatusCode)
		}
		waitJob(t, base+resp.Header.Get("Location"), strconv.Itoa(3*i))
	}
	if js := clusterStats(t, cl.URL, queue.DefaultJobQueue); js.Depth != 0 || js.InFlight != 0 || js.Dead != 0 {
		t.Errorf("job queue stats: %+v, want drained", js)
	}
	if code := w.stop(t); code != 0 {
		t.Fatalf("worker exited %d: %s", code, w.err.String())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestClusterMasterKilledDuringConsume SIGKILLs the master of the queue's
// slot of a 3 masters + 3 replicas cluster while two "abaco consume" work
// through 2,000 ids (replicated before the kill: a push the dead master
// had not sent on would die with it): 0 lost, 0 stranded, printing resumes
// within 2 s of the replica's promotion, and once the cluster has
// recovered two serve on it (default and --ready-requires-redis) answer
// /readyz steadily: 0 of 40 polls 503, and the default one ready.
func TestClusterMasterKilledDuringConsume(t *testing.T) {
	t.Parallel()
	cl := redistest.StartClusterReplicas(t)
	const n = 2000
	if code, _, errs := runWith(cl.URL, "", "produce", "1.."+strconv.Itoa(n)); code != 0 {
		t.Fatalf("produce: %d %s", code, errs)
	}
	slot := cl.Slot(t, queue.DefaultQueue)
	owner, err := cl.Owner(cl.Nodes[0], slot)
	if err != nil {
		t.Fatal(err)
	}
	master, replica := cl.Server(owner.Addr), cl.ReplicaOf(t, owner)
	cl.WaitReplicated(t, master)
	b := rdb.NewBroker(rdbtest.Open(t, cl.URL))
	args := []string{"--redis-url", cl.URL, "--workers", "0"}
	base, logs, stop := startServer(t, testConfig(t, args...), nil)
	strict, strictLogs, stopStrict := startServer(t, testConfig(t, append(args, "--ready-requires-redis")...), nil)
	waitReady(t, base, 200, "ready", logs)
	waitReady(t, strict, 200, "ready", strictLogs)

	consumers := startConsumers(cl.URL, 2, "--delay", "2ms", "--concurrency", "2", "--batch", "4")
	until(t, 60*time.Second, "a third of the ids processed", func() bool { return distinctProcessed(consumers) >= n/3 })
	master.Stop()
	killed := time.Now()
	promoted := cl.WaitPromoted(t, replica, slot)
	cleared := make(chan time.Duration, 1)
	go func() { cleared <- readyAfter(base, promoted) }()
	at := printed(consumers)
	until(t, 10*time.Second, "an item printed after the promotion", func() bool { return printed(consumers) > at })
	resumed := time.Since(promoted)
	t.Logf("killed %s (slot %d); %s promoted %v later; printing resumed %v after the promotion",
		owner.Addr, slot, replica.Addr, promoted.Sub(killed).Round(time.Millisecond), resumed.Round(time.Millisecond))
	if resumed > 2*time.Second {
		t.Errorf("printing resumed %v after the promotion, want at most 2s", resumed)
	}
	l := drain(t, b, n, consumers)
	t.Logf("%d ids, master killed mid-consume: %+v", n, l)

	clearedAfter := <-cleared
	t.Logf("/readyz's degraded state cleared %v after the promotion", clearedAfter.Round(time.Millisecond))
	if clearedAfter > 2*time.Second {
		t.Errorf("/readyz's degraded state cleared %v after the promotion, want at most 2s", clearedAfter)
	}
	waitReady(t, base, 200, "ready", logs)
	waitReady(t, strict, 200, "ready", strictLogs)
	bad := map[string]int{}
	for range 40 {
		if code, _ := getJSON(t, strict+"/readyz"); code != 200 {
			bad["strict"]++
		}
		if code, m := getJSON(t, base+"/readyz"); code != 200 || m["status"] != "ready" {
			bad["default"]++
		}
		time.Sleep(25 * time.Millisecond)
	}
	if len(bad) > 0 {
		t.Errorf("of 40 /readyz polls after recovery, not ready: %v", bad)
	}
	for _, stop := range []func() error{stop, stopStrict} {
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
}

// printed is how many lines the consumers printed.
func printed(consumers []*inProcess) int {
	n := 0
	for _, p := range consumers {
		n += len(processed(p.out.String()))
	}
	return n
}

// readyAfter polls base's /readyz until it answers ready and returns how
// long after since that was (at most 15s: the caller fails above 2s).
func readyAfter(base string, since time.Time) time.Duration {
	for time.Since(since) < 15*time.Second {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			var m map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
			if resp.StatusCode == 200 && m["status"] == "ready" {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(since)
}
