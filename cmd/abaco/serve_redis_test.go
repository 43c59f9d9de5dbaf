package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
	"abaco/internal/syncbuf"
)

// waitJob polls a job until it is done with resultado want.
func waitJob(t *testing.T, url, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		m := readJSON(t, resp)
		if m["estado"] == "done" {
			av, _ := m["avaliacao"].(map[string]any)
			if av["resultado"] != json.Number(want) {
				t.Fatalf("job %v, want resultado %s", m, want)
			}
			return
		}
		if m["estado"] == "failed" || time.Now().After(deadline) {
			t.Fatalf("job %v", m)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitKey polls srv until key exists: the cache writes its entries to
// Redis behind the answer.
func waitKey(t *testing.T, srv *redistest.Server, key string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); srv.MustDo("EXISTS", key) != "1"; {
		if time.Now().After(deadline) {
			t.Fatalf("no key %q in Redis within 5s", key)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestServeRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	base, _, stop := startServer(t, testConfig(t, "--redis-url", srv.URL, "--workers", "1", "--admin-token", "tok"), nil)
	resp, m := post(t, base+"/evaluate", `{"expressao": "2 ** 70"}`)
	if resp.StatusCode != 200 || m["resultado"] != json.Number("1180591620717411303424") {
		t.Fatalf("%d %v", resp.StatusCode, m)
	}
	// The entry is written behind the answer: within a few milliseconds.
	waitKey(t, srv, "abaco:v1:eval:2 ** 70")
	// A batch goes through the same cache: its results are written to
	// Redis under the same keys.
	resp, m = post(t, base+"/evaluate/batch", `{"expressoes": ["2 ** 71", "1/0"]}`)
	items, _ := m["resultados"].([]any)
	if resp.StatusCode != 200 || len(items) != 2 {
		t.Fatalf("POST /evaluate/batch: %d %v", resp.StatusCode, m)
	}
	if first, _ := items[0].(map[string]any)["avaliacao"].(map[string]any); first["resultado"] != json.Number("2361183241434822606848") {
		t.Fatalf("POST /evaluate/batch: first item %v", items[0])
	}
	if erro, _ := items[1].(map[string]any)["erro"].(map[string]any); erro["code"] != "division_by_zero" {
		t.Fatalf("POST /evaluate/batch: second item %v", items[1])
	}
	waitKey(t, srv, "abaco:v1:eval:2 ** 71")
	waitKey(t, srv, "abaco:v1:eval:1 / 0")
	resp, _ = post(t, base+"/jobs", `{"expressao": "1+1"}`)
	if resp.StatusCode != 202 {
		t.Fatalf("POST /jobs: %d", resp.StatusCode)
	}
	waitJob(t, base+resp.Header.Get("Location"), "2")
	req, _ := http.NewRequest("DELETE", base+"/cache", nil)
	req.Header.Set("Authorization", "Bearer tok")
	dr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if m := readJSON(t, dr); dr.StatusCode != 200 || m["removidas"] == json.Number("0") {
		t.Errorf("DELETE /cache: %d %v", dr.StatusCode, m)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestServeBeforeRedis starts abaco serve while its Redis is down, as a
// compose file without a health check would: it serves without Redis,
// /readyz says so (200, degraded: /evaluate answers), and once Redis starts the cache and the job workers use
// it, with no restart.
func TestServeBeforeRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--user", "alice", "on", ">s3cret", "~*", "+@all")
	srv.Stop()
	url := "redis://alice:s3cret@" + srv.Addr
	base, logs, stop := startServer(t, testConfig(t, "--redis-url", url, "--workers", "1"), nil)
	// The gauge has a value before any request has used Redis.
	if got := metricValue(t, base, `abaco_dependency_up{dependency="redis"}`); got != 0 {
		t.Errorf(`abaco_dependency_up{dependency="redis"} at start with Redis down = %v, want 0`, got)
	}
	resp, m := post(t, base+"/evaluate", `{"expressao": "2 ** 70"}`)
	if resp.StatusCode != 200 || m["resultado"] != json.Number("1180591620717411303424") {
		t.Fatalf("with Redis down: %d %v", resp.StatusCode, m)
	}
	if code, m := getJSON(t, base+"/readyz"); code != 200 || m["status"] != "degraded" {
		t.Fatalf("/readyz with Redis down: %d %v, want 200 degraded", code, m)
	}
	srv.Restart()
	waitReady(t, base, 200, "ready", logs)
	resp, _ = post(t, base+"/jobs", `{"expressao": "1+1"}`)
	if resp.StatusCode != 202 {
		t.Fatalf("POST /jobs once Redis is up: %d", resp.StatusCode)
	}
	waitJob(t, base+resp.Header.Get("Location"), "2")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "redis unreachable") || strings.Contains(logs.String(), "s3cret") {
		t.Errorf("want a warning that Redis is unreachable, without the password:\n%s", logs)
	}
}

// getJSON gets url and decodes its JSON body.
func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	return r.StatusCode, readJSON(t, r)
}

// waitReady polls base's /readyz until it answers code with status (a
// problem's code for a 503), for up to 15s.
func waitReady(t *testing.T, base string, code int, status string, logs *syncbuf.Buffer) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; {
		got, m := getJSON(t, base+"/readyz")
		if got == code && (m["status"] == status || m["code"] == status) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d %v after 15s, want %d %s\n%s", got, m, code, status, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metricsText returns base's /metrics.
func metricsText(t *testing.T, base string) string {
	t.Helper()
	r, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// metricLine returns the sample line of series in base's /metrics.
func metricLine(t *testing.T, base, series string) string {
	t.Helper()
	for _, line := range strings.Split(metricsText(t, base), "\n") {
		if strings.HasPrefix(line, series+" ") {
			return line
		}
	}
	return ""
}

// TestServeRedisOutageReadiness stops the Redis of two running servers:
// both keep answering /evaluate; /readyz stays 200 and names redis as
// degraded since the outage began, except with --ready-requires-redis,
// which answers 503; abaco_dependency_up follows. Once Redis is back both
// are ready again.
func TestServeRedisOutageReadiness(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	// A short timeout keeps each failing call to the dead Redis short.
	args := []string{"--redis-url", srv.URL, "--workers", "0", "--redis-timeout", "200ms"}
	base, logs, stop := startServer(t, testConfig(t, args...), nil)
	strict, strictLogs, stopStrict := startServer(t, testConfig(t, append(args, "--ready-requires-redis")...), nil)
	const up = `abaco_dependency_up{dependency="redis"}`
	// The gauge has a value before any request has used Redis.
	for deadline := time.Now().Add(5 * time.Second); metricLine(t, base, up) != up+" 1"; {
		if time.Now().After(deadline) {
			t.Fatalf("at start with Redis up: %q, want %s 1 without a request", metricLine(t, base, up), up)
		}
		time.Sleep(5 * time.Millisecond)
	}
	waitReady(t, base, 200, "ready", logs)
	waitReady(t, strict, 200, "ready", strictLogs)

	before := time.Now().Add(-time.Second)
	srv.Stop()
	for _, b := range []string{base, strict} {
		if resp, m := post(t, b+"/evaluate", `{"expressao": "6*7"}`); resp.StatusCode != 200 || m["resultado"] != json.Number("42") {
			t.Fatalf("/evaluate with Redis down: %d %v", resp.StatusCode, m)
		}
	}
	m := waitReady(t, base, 200, "degraded", logs)
	deg, _ := m["degraded"].([]any)
	var d map[string]any
	if len(deg) == 1 {
		d, _ = deg[0].(map[string]any)
	}
	since, err := time.Parse(time.RFC3339, fmt.Sprint(d["since"]))
	if d["dependency"] != "redis" || d["condition"] != "unreachable" || err != nil || since.Before(before.Truncate(time.Second)) || since.After(time.Now()) {
		t.Errorf("/readyz with Redis down: %v, want one degraded redis since the outage began", m)
	}
	if strings.Contains(fmt.Sprint(m), "refused") {
		t.Errorf("the client sees the backend's error: %v", m)
	}
	waitReady(t, strict, 503, "unavailable", strictLogs)
	if got := metricLine(t, base, up); got != up+" 0" {
		t.Errorf("with Redis down: %q, want %s 0", got, up)
	}

	srv.Restart()
	waitReady(t, base, 200, "ready", logs)
	waitReady(t, strict, 200, "ready", strictLogs)
	if got := metricLine(t, base, up); got != up+" 1" {
		t.Errorf("with Redis back: %q, want %s 1", got, up)
	}
	for _, stop := range []func() error{stop, stopStrict} {
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestServeRedisBadLogin checks that a wrong password stops abaco serve at
// start, with an error that does not show the password: unlike a Redis
// that is not up yet, it will not fix itself.
func TestServeRedisBadLogin(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--user", "alice", "on", ">s3cret", "~*", "+@all")
	_, err := newServer(testConfig(t, "--redis-url", "redis://alice:wrongpw@"+srv.Addr), io.Discard)
	if err == nil {
		t.Fatal("newServer succeeded with a wrong password")
	}
	if strings.Contains(err.Error(), "wrongpw") {
		t.Errorf("the error shows the password: %v", err)
	}
}

// metricValue returns the value of series in base's /metrics, or -1 when
// it is absent.
func metricValue(t *testing.T, base, series string) float64 {
	t.Helper()
	line := metricLine(t, base, series)
	if line == "" {
		return -1
	}
	v, err := strconv.ParseFloat(strings.TrimPrefix(line, series+" "), 64)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return v
}

// breakerChanges sums abaco_cache_breaker_changes_total over its states.
func breakerChanges(t *testing.T, base string) float64 {
	t.Helper()
	var n float64
	for _, to := range []string{"closed", "open", "half_open"} {
		n += metricValue(t, base, `abaco_cache_breaker_changes_total{to="`+to+`"}`)
	}
	return n
}

// logLines returns the lines of a JSON log at level that contain sub.
func logLines(logs, level, sub string) []string {
	var out []string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, `"level":"`+level+`"`) && strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return out
}

// TestServeRedisFull fills serve's Redis to its maxmemory under
// noeviction while distinct /evaluate requests keep coming and /readyz is
// polled throughout: /readyz stays 200 and turns degraded once, with
// condition writes_refused and Redis's OOM text; the breaker does not
// move; one warn line names OOM; abaco_dependency_up stays 1 and
// abaco_dependency_writable is 0.
func TestServeRedisFull(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
	base, logs, stop := startServer(t, testConfig(t, "--redis-url", srv.URL, "--workers", "0"), nil)
	waitReady(t, base, 200, "ready", logs)
	srv.Fill()
	statuses := []string{"ready"}
	var last map[string]any
	for i, end := 0, time.Now().Add(3*time.Second); time.Now().Before(end); i++ {
		in := fmt.Sprintf("%d * 3", i)
		if resp, m := post(t, base+"/evaluate", `{"expressao": "`+in+`"}`); resp.StatusCode != 200 || m["resultado"] != json.Number(strconv.Itoa(3*i)) {
			t.Fatalf("/evaluate %s with Redis full: %d %v", in, resp.StatusCode, m)
		}
		code, m := getJSON(t, base+"/readyz")
		if code != 200 {
			t.Fatalf("/readyz with Redis full: %d %v", code, m)
		}
		if s := fmt.Sprint(m["status"]); s != statuses[len(statuses)-1] {
			statuses = append(statuses, s)
		}
		last = m
		time.Sleep(5 * time.Millisecond)
	}
	if len(statuses) != 2 || statuses[1] != "degraded" {
		t.Errorf("/readyz went %v, want ready then degraded for good", statuses)
	}
	deg, _ := last["degraded"].([]any)
	d, _ := deg[0].(map[string]any)
	if len(deg) != 1 || d["condition"] != "writes_refused" || !strings.HasPrefix(fmt.Sprint(d["reason"]), "OOM ") {
		t.Errorf("/readyz with Redis full: %v, want one writes_refused with Redis's OOM text", last)
	}
	if n := breakerChanges(t, base); n > 2 {
		t.Errorf("%v breaker changes with Redis full, want at most 2", n)
	}
	for series, want := range map[string]float64{
		`abaco_dependency_up{dependency="redis"}`:       1,
		`abaco_dependency_writable{dependency="redis"}`: 0,
	} {
		if got := metricValue(t, base, series); got != want {
			t.Errorf("with Redis full: %s = %v, want %v", series, got, want)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if warns := logLines(logs.String(), "WARN", ""); len(warns) != 1 || !strings.Contains(warns[0], "OOM") {
		t.Errorf("warn lines %q, want exactly one, naming OOM:\n%s", warns, logs)
	}
}

// TestServeRedisRecovery stops serve's Redis, sends requests until the
// breaker is open, restarts Redis and measures how long until a new
// result is written to Redis again: the median of 3 rounds must be under
// 1.5 s (the breaker's cooldown is at most 1 s).
func TestServeRedisRecovery(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	base, logs, stop := startServer(t, testConfig(t, "--redis-url", srv.URL, "--workers", "0"), nil)
	waitReady(t, base, 200, "ready", logs)
	n := 0
	evaluate := func() string {
		n++
		in := fmt.Sprintf("%d + 9000", n)
		if resp, m := post(t, base+"/evaluate", `{"expressao": "`+in+`"}`); resp.StatusCode != 200 {
			t.Fatalf("/evaluate %s: %d %v", in, resp.StatusCode, m)
		}
		return in
	}
	var took []time.Duration
	for range 3 {
		srv.Stop()
		for deadline := time.Now().Add(10 * time.Second); metricValue(t, base, `abaco_cache_breaker_state{state="closed"}`) != 0; {
			if time.Now().After(deadline) {
				t.Fatalf("breaker not open 10s into the outage\n%s", logs)
			}
			evaluate()
		}
		if len(took) == 0 {
			// A first outage long enough for the breaker's probe to fail
			// twice: still one warn line, not one per probe.
			for end := time.Now().Add(2500 * time.Millisecond); time.Now().Before(end); {
				evaluate()
				time.Sleep(20 * time.Millisecond)
			}
		}
		srv.Restart()
		start := time.Now()
		for deadline := start.Add(10 * time.Second); ; {
			in := evaluate()
			time.Sleep(10 * time.Millisecond) // the write-back's batching delay and round trip
			if got, _ := srv.Do("EXISTS", "abaco:v1:eval:"+in); got == "1" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no result written to Redis 10s after it came back\n%s", logs)
			}
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	t.Logf("resumed writing to Redis after %v", took)
	if took[1] > 1500*time.Millisecond {
		t.Errorf("median recovery %v (of %v), want under 1.5s", took[1], took)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Three outages: a warn line and an info line each, not one a second.
	if warns := logLines(logs.String(), "WARN", "cache: shared tier"); len(warns) != 3 {
		t.Errorf("%d warn lines of the shared tier over 3 outages, want 3:\n%s", len(warns), logs)
	}
}

// TestServeRedisEvictingPolicy starts serve on a Redis with
// maxmemory-policy allkeys-lru: with jobs (they live in that Redis) it
// warns in the log, in /readyz (condition evicting_policy) and in
// abaco_redis_evicting_policy; cache-only (--jobs=false) it says nothing,
// since an evicting policy is what a cache wants. The URL's password shows
// nowhere.
func TestServeRedisEvictingPolicy(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru",
		"--user", "alice", "on", ">s3cret", "~*", "+@all")
	url := "redis://alice:s3cret@" + srv.Addr
	tests := []struct {
		name      string
		jobs      string
		wantWarn  bool
		wantGauge float64
	}{
		{"jobs in redis", "--jobs=true", true, 1},
		{"cache only", "--jobs=false", false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, logs, stop := startServer(t, testConfig(t, "--redis-url", url, "--workers", "0", tt.jobs), nil)
			status := "ready"
			if tt.wantWarn {
				status = "degraded"
			}
			m := waitReady(t, base, 200, status, logs)
			if resp, _ := post(t, base+"/jobs", `{"expressao": "1+1"}`); (resp.StatusCode == 404) == tt.wantWarn {
				t.Errorf("POST /jobs: %d with %s", resp.StatusCode, tt.jobs)
			}
			if tt.wantWarn {
				deg, _ := m["degraded"].([]any)
				d, _ := deg[0].(map[string]any)
				if len(deg) != 1 || d["condition"] != "evicting_policy" || d["reason"] != "maxmemory-policy allkeys-lru evicts queue and job keys" {
					t.Errorf("/readyz: %v, want one evicting_policy for allkeys-lru", m)
				}
			}
			if got := metricValue(t, base, "abaco_redis_evicting_policy"); got != tt.wantGauge {
				t.Errorf("abaco_redis_evicting_policy = %v, want %v (-1: absent)", got, tt.wantGauge)
			}
			if metrics := metricsText(t, base); strings.Contains(fmt.Sprint(m)+metrics, "s3cret") {
				t.Errorf("the password shows in /readyz or /metrics: %v\n%s", m, metrics)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(logs.String(), "s3cret") {
				t.Errorf("the password shows in the log:\n%s", logs)
			}
			warns := logLines(logs.String(), "WARN", "maxmemory-policy")
			if want := map[bool]int{true: 1}[tt.wantWarn]; len(warns) != want || (want == 1 && !strings.Contains(warns[0], "allkeys-lru")) {
				t.Errorf("warn lines naming the policy %q, want %d naming allkeys-lru", warns, want)
			}
		})
	}
}

// TestServeJobsOutOfTheBox checks the README's promise: with only
// REDIS_URL set, serve runs job workers, so a job is done within 2 s;
// with --workers 0 and no abaco worker, a queued job says it has none.
func TestServeJobsOutOfTheBox(t *testing.T) {
	t.Parallel()
	url := redistest.Start(t).URL
	base, _, _ := startServer(t, testConfig(t, "--redis-url", url), nil)
	resp, job := post(t, base+"/jobs", `{"expressao": "2**64"}`)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /jobs: %d %v", resp.StatusCode, job)
	}
	code, st := getJSON(t, base+job["url"].(string)+"?wait=2s")
	if code != http.StatusOK || st["estado"] != "done" || st["sem_worker"] != nil {
		t.Fatalf("the job 2 s after POST /jobs, with REDIS_URL alone: %d %v; want done", code, st)
	}

	idle := redistest.Start(t).URL
	base, _, _ = startServer(t, testConfig(t, "--redis-url", idle, "--workers", "0"), nil)
	resp, job = post(t, base+"/jobs", `{"expressao": "2**64"}`)
	if resp.StatusCode != http.StatusAccepted || job["sem_worker"] != true {
		t.Fatalf("POST /jobs with --workers 0 and no worker: %d %v; want sem_worker true", resp.StatusCode, job)
	}
	code, st = getJSON(t, base+job["url"].(string))
	if code != http.StatusOK || st["estado"] != "queued" || st["sem_worker"] != true {
		t.Fatalf("GET of a job no worker will run: %d %v; want queued with sem_worker true", code, st)
	}
}
