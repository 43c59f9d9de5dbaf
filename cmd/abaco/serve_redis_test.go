package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
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

func TestServeRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	base, _, stop := startServer(t, testConfig(t, "--redis-url", srv.URL, "--workers", "1", "--admin-token", "tok"), nil)
	resp, m := post(t, base+"/evaluate", `{"expressao": "2 ** 70"}`)
	if resp.StatusCode != 200 || m["resultado"] != json.Number("1180591620717411303424") {
		t.Fatalf("%d %v", resp.StatusCode, m)
	}
	// The entry is written behind the answer: within a few milliseconds.
	for deadline := time.Now().Add(5 * time.Second); srv.MustDo("EXISTS", "abaco:v1:eval:2 ** 70") != "1"; {
		if time.Now().After(deadline) {
			t.Fatal("result not cached in Redis under abaco:v1:eval:2 ** 70 within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
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
func waitReady(t *testing.T, base string, code int, status string, logs *syncBuffer) map[string]any {
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

// metricLine returns the sample line of series in base's /metrics.
func metricLine(t *testing.T, base, series string) string {
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
	for _, line := range strings.Split(string(b), "\n") {
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
	waitReady(t, base, 200, "ready", logs)
	waitReady(t, strict, 200, "ready", strictLogs)
	if got := metricLine(t, base, up); got != up+" 1" {
		t.Errorf("with Redis up: %q, want %s 1", got, up)
	}

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
	if d["dependency"] != "redis" || err != nil || since.Before(before.Truncate(time.Second)) || since.After(time.Now()) {
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
