package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
	"abaco/queue"
)

// cachePrefix is where every cached result lives (rdb/keys.go).
const cachePrefix = "abaco:v1:eval:"

// keys returns every key of srv.
func keys(t *testing.T, srv *redistest.Server) []string {
	t.Helper()
	r := srv.MustDo("KEYS", "*")
	if r == "" {
		return nil
	}
	return strings.Split(r, "\n")
}

// checkApart fails t unless srv holds the cache's keys only (cacheOnly: its
// entries and its flush generation, all under "abaco:v1:") or none of them
// (!cacheOnly): the two Redis servers must not mix.
func checkApart(t *testing.T, name string, srv *redistest.Server, cacheOnly bool) {
	t.Helper()
	for _, k := range keys(t, srv) {
		if strings.HasPrefix(k, "abaco:v1:") != cacheOnly {
			t.Errorf("the %s Redis holds %q", name, k)
		}
	}
}

// TestServeQueueRedis runs serve with its cache in one Redis and its jobs
// in another (--queue-redis-url, with a password): results land in the
// first, job records and the queue in the second, and the
// maxmemory-policy watched is the queue Redis's. With the cache Redis
// evicting (allkeys-lru, what a cache wants) and the queue one noeviction
// nothing is warned about; with the queue Redis evicting, serve warns once
// in its log, in /readyz and in abaco_redis_evicting_policy. The queue
// URL's password shows nowhere.
func TestServeQueueRedis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                     string
		cachePolicy, queuePolicy string
		wantWarn                 bool
	}{
		{"evicting cache, noeviction queue", "allkeys-lru", "noeviction", false},
		{"evicting queue", "noeviction", "allkeys-lru", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cacheSrv := redistest.Start(t, "--maxmemory", "64mb", "--maxmemory-policy", tt.cachePolicy)
			queueSrv := redistest.Start(t, "--maxmemory", "64mb", "--maxmemory-policy", tt.queuePolicy,
				"--user", "alice", "on", ">s3cret", "~*", "+@all")
			queueURL := "redis://alice:s3cret@" + queueSrv.Addr
			base, logs, stop := startServer(t, testConfig(t, "--redis-url", cacheSrv.URL,
				"--queue-redis-url", queueURL, "--workers", "1"), nil)
			// Degraded must mean the policy alone: a cache Redis not
			// connected yet would drop the writes checked below.
			var m map[string]any
			until(t, 15*time.Second, "/readyz naming the queue Redis's policy alone, if it evicts", func() bool {
				var code int
				code, m = getJSON(t, base+"/readyz")
				want := "[]"
				if tt.wantWarn {
					want = "[evicting_policy]"
				}
				return code == 200 && degradedConditions(m) == want
			})

			resp, _ := post(t, base+"/evaluate", `{"expressao": "2 ** 70"}`)
			if resp.StatusCode != 200 {
				t.Fatalf("POST /evaluate: %d", resp.StatusCode)
			}
			until(t, 5*time.Second, "the result in the cache Redis", func() bool {
				return cacheSrv.MustDo("EXISTS", cachePrefix+"2 ** 70") == "1"
			})
			resp, _ = post(t, base+"/jobs", `{"expressao": "6 * 7"}`)
			if resp.StatusCode != 202 {
				t.Fatalf("POST /jobs: %d", resp.StatusCode)
			}
			loc := resp.Header.Get("Location")
			waitJob(t, base+loc, "42")
			id := loc[strings.LastIndex(loc, "/")+1:]
			if got := queueSrv.MustDo("EXISTS", "{"+queue.DefaultJobQueue+"}:job:"+id); got != "1" {
				t.Errorf("job %s: no record in the queue Redis", id)
			}
			// The worker evaluated the job through the cache, whose
			// entries belong in the cache Redis.
			until(t, 5*time.Second, "the job's result in the cache Redis", func() bool {
				return cacheSrv.MustDo("EXISTS", cachePrefix+"6 * 7") == "1"
			})
			checkApart(t, "cache", cacheSrv, true)
			checkApart(t, "queue", queueSrv, false)

			want := map[bool]float64{false: 0, true: 1}[tt.wantWarn]
			if got := metricValue(t, base, "abaco_redis_evicting_policy"); got != want {
				t.Errorf("abaco_redis_evicting_policy = %v, want %v", got, want)
			}
			shown := fmt.Sprint(m) + metricsText(t, base)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			warns := logLines(logs.String(), "WARN", "maxmemory-policy")
			if n := map[bool]int{true: 1}[tt.wantWarn]; len(warns) != n || (n == 1 && !strings.Contains(warns[0], tt.queuePolicy)) {
				t.Errorf("warn lines naming the policy %q, want %d naming %s", warns, n, tt.queuePolicy)
			}
			if strings.Contains(shown+logs.String(), "s3cret") {
				t.Errorf("the queue Redis's password shows in /readyz, /metrics or the log:\n%s\n%s", shown, logs)
			}
		})
	}
}

// degradedConditions lists the conditions of a /readyz body, "[]" when
// it names none.
func degradedConditions(m map[string]any) string {
	deg, _ := m["degraded"].([]any)
	var conds []string
	for _, d := range deg {
		d, _ := d.(map[string]any)
		conds = append(conds, fmt.Sprint(d["condition"]))
	}
	return "[" + strings.Join(conds, " ") + "]"
}

// TestQueueRedisFromEnvironment checks that ABACO_QUEUE_REDIS_URL is
// --queue-redis-url's fallback, and that --help does not show its value
// (a URL may hold a password).
func TestQueueRedisFromEnvironment(t *testing.T) {
	t.Parallel()
	const u = "redis://u:s3cret@127.0.0.1:1"
	getenv := func(k string) string { return map[string]string{"ABACO_QUEUE_REDIS_URL": u}[k] }
	cfg, err := parseServeFlags(&Env{Stderr: io.Discard, Getenv: getenv}, nil)
	if err != nil || cfg.QueueRedisURL != u || cfg.RedisURL != "" {
		t.Errorf("serve with ABACO_QUEUE_REDIS_URL: %+v, %v", cfg, err)
	}
	for _, cmd := range []string{"serve", "worker", "consume", "produce", "queue"} {
		var out bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: getenv}
		if code := run(context.Background(), env, []string{cmd, "--help"}); code != 0 {
			t.Errorf("%s --help: status %d\n%s", cmd, code, out.String())
		}
		if s := out.String(); strings.Contains(s, "s3cret") || !strings.Contains(s, "ABACO_QUEUE_REDIS_URL") {
			t.Errorf("%s --help shows the queue Redis's password or no ABACO_QUEUE_REDIS_URL:\n%s", cmd, s)
		}
	}
}

// TestQueueRedisCommands runs produce, queue stats, consume and worker with
// REDIS_URL naming the cache Redis and the queue Redis named apart:
// produce's items, the queue's bookkeeping and the worker's jobs live in
// the queue Redis, the worker's cached results in the cache Redis.
func TestQueueRedisCommands(t *testing.T) {
	t.Parallel()
	cacheSrv, queueSrv := redistest.Start(t), redistest.Start(t)
	q := []string{"--queue-redis-url", queueSrv.URL}
	if code, _, errs := runWith(cacheSrv.URL, "", append([]string{"produce"}, append(q, "1..5")...)...); code != 0 {
		t.Fatalf("produce: %d %s", code, errs)
	}
	if got := queueSrv.MustDo("LLEN", "number_queue"); got != "5" {
		t.Fatalf("LLEN number_queue in the queue Redis = %s, want 5", got)
	}
	if _, stats, _ := runWith(cacheSrv.URL, "", append([]string{"queue", "stats"}, q...)...); !strings.Contains(stats, "depth      5\n") {
		t.Errorf("queue stats = %q, want depth 5", stats)
	}
	p := startInProcess(cacheSrv.URL, append([]string{"consume", "--delay", "0"}, q...)...)
	until(t, 10*time.Second, "consume to drain the queue Redis", func() bool {
		return len(processed(p.out.String())) == 5 && queueSrv.MustDo("LLEN", "number_queue") == "0"
	})
	if code := p.stop(t); code != 0 {
		t.Fatalf("consume exited %d: %s", code, p.err.String())
	}

	// Jobs: a serve without workers accepts, a worker on both Redis runs.
	base, logs, stop := startServer(t, testConfig(t, "--redis-url", cacheSrv.URL, "--workers", "0",
		"--queue-redis-url", queueSrv.URL), nil)
	waitReady(t, base, 200, "ready", logs)
	w := startInProcess(cacheSrv.URL, append([]string{"worker"}, q...)...)
	resp, _ := post(t, base+"/jobs", `{"expressao": "2 ** 65"}`)
	if resp.StatusCode != 202 {
		t.Fatalf("POST /jobs: %d", resp.StatusCode)
	}
	waitJob(t, base+resp.Header.Get("Location"), "36893488147419103232")
	until(t, 5*time.Second, "the worker's result in the cache Redis", func() bool {
		return cacheSrv.MustDo("EXISTS", cachePrefix+"2 ** 65") == "1"
	})
	if code := w.stop(t); code != 0 {
		t.Fatalf("worker exited %d: %s", code, w.err.String())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkApart(t, "cache", cacheSrv, true)
	checkApart(t, "queue", queueSrv, false)
}
