package main

import (
	"encoding/json"
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
// /readyz says so, and once Redis starts the cache and the job workers use
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
	r, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 503 {
		t.Fatalf("/readyz with Redis down: %d, want 503", r.StatusCode)
	}
	srv.Restart()
	for deadline := time.Now().Add(15 * time.Second); ; {
		r, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d 15s after Redis started\n%s", r.StatusCode, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
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
