package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
	"abaco/rdb"
)

// TestJobsDurabilityFlags checks how --jobs-durability and its timeout are
// read, from flags and the environment, and what is refused: a barrier
// without Redis (the embedded queue has no replicas), a malformed mode, a
// timeout under WAIT's millisecond.
func TestJobsDurabilityFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    rdb.Durability
		wantErr bool
	}{
		{"default", nil, nil, rdb.Durability{Timeout: rdb.DefaultDurabilityTimeout}, false},
		{"flags", []string{"--redis-url", "redis://r:1", "--jobs-durability", "replicas:2", "--jobs-durability-timeout", "250ms"}, nil,
			rdb.Durability{Replicas: 2, Timeout: 250 * time.Millisecond}, false},
		{"environment", nil, map[string]string{"REDIS_URL": "redis://r:1", "ABACO_JOBS_DURABILITY": "replicas:1", "ABACO_JOBS_DURABILITY_TIMEOUT": "2s"},
			rdb.Durability{Replicas: 1, Timeout: 2 * time.Second}, false},
		{"none", []string{"--jobs-durability", "none"}, nil, rdb.Durability{Timeout: rdb.DefaultDurabilityTimeout}, false},
		{"embedded", []string{"--jobs-durability", "replicas:1"}, nil, rdb.Durability{}, true},
		{"malformed", []string{"--redis-url", "redis://r:1", "--jobs-durability", "replica:1"}, nil, rdb.Durability{}, true},
		{"zero replicas", []string{"--redis-url", "redis://r:1", "--jobs-durability", "replicas:0"}, nil, rdb.Durability{}, true},
		{"malformed environment", nil, map[string]string{"REDIS_URL": "redis://r:1", "ABACO_JOBS_DURABILITY": "all"}, rdb.Durability{}, true},
		{"tiny timeout", []string{"--redis-url", "redis://r:1", "--jobs-durability", "replicas:1", "--jobs-durability-timeout", "1us"}, nil, rdb.Durability{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := &Env{Stderr: io.Discard, Getenv: func(k string) string { return c.env[k] }}
			cfg, err := parseServeFlags(env, c.args)
			if (err != nil) != c.wantErr {
				t.Fatalf("parseServeFlags(%q) error %v, want error %v", c.args, err, c.wantErr)
			}
			if err == nil && cfg.JobsDurability != c.want {
				t.Fatalf("durability %+v, want %+v", cfg.JobsDurability, c.want)
			}
		})
	}
}

// TestServeJobsDurability runs serve with --jobs-durability replicas:1 on
// a master with one replica: POST /jobs answers 202 while the replica is
// up, and 503 unavailable with Retry-After, after about the timeout and
// naming the job that may still exist, once it is stopped.
func TestServeJobsDurability(t *testing.T) {
	t.Parallel()
	master, replica := redistest.StartReplicated(t)
	// Long enough for a replica on a machine loaded by a -race run.
	const timeout = time.Second
	base, _, _ := startServer(t, testConfig(t, "--redis-url", master.URL, "--workers", "0",
		"--jobs-durability", "replicas:1", "--jobs-durability-timeout", timeout.String()), nil)
	if resp, m := post(t, base+"/jobs", `{"expressao": "1+1"}`); resp.StatusCode != 202 {
		t.Fatalf("POST /jobs with the replica up: %d %v", resp.StatusCode, m)
	}
	replica.Stop()
	start := time.Now()
	resp, m := post(t, base+"/jobs", `{"expressao": "2+2"}`)
	took := time.Since(start)
	if resp.StatusCode != 503 || m["code"] != "unavailable" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("POST /jobs with the replica stopped: %d %v %v", resp.StatusCode, resp.Header, m)
	}
	if detail, _ := m["detail"].(string); !strings.Contains(detail, "may still exist") || !strings.Contains(detail, "second job") {
		t.Fatalf("the detail does not warn that the job may exist: %q", detail)
	}
	if took < timeout || took > timeout+time.Second {
		t.Fatalf("503 after %s, want about the timeout %s", took, timeout)
	}
	if n := master.MustDo("LLEN", "abaco_jobs"); n != "2" {
		t.Fatalf("%s jobs queued on the master, want both (the refused one too)", n)
	}
}

// TestProduceDurability runs produce --durability replicas:1: it succeeds
// while the replica is up, and exits 1 saying so once the replica is
// stopped, though the batch is on the master.
func TestProduceDurability(t *testing.T) {
	t.Parallel()
	master, replica := redistest.StartReplicated(t)
	// The default timeout (1s) while the replica is up, so that a loaded
	// machine does not fail the test; a short one once it is stopped.
	if code, _, errs := runWith(master.URL, "", "produce", "--durability", "replicas:1", "1..3"); code != 0 {
		t.Fatalf("produce with the replica up: exit %d: %s", code, errs)
	}
	replica.Stop()
	code, _, errs := runWith(master.URL, "", "produce", "--durability", "replicas:1", "--durability-timeout", "100ms", "4")
	if code != 1 || !strings.Contains(errs, "0 of the 1 replicas") {
		t.Fatalf("produce with the replica stopped: exit %d: %s", code, errs)
	}
	if got := master.MustDo("LRANGE", "number_queue", "0", "-1"); got != "1\n2\n3\n4" {
		t.Fatalf("queue %q, want 1..4: the refused batch is on the master", got)
	}
}
