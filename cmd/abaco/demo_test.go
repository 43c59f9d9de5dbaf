package main

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"abaco/internal/redistest"
)

const demoOutput = "Calculando resultado\n20\nResultado obtido do cache\n20\n"

// runDemoCmd runs "abaco demo ..." with environment vars and returns the
// exit status and the output streams.
func runDemoCmd(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }}
	code := run(context.Background(), env, append([]string{"demo"}, args...))
	return code, stdout.String(), stderr.String()
}

func TestDemoCacheEmbedded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"flags after the name", []string{"cache", "--delay", "20ms"}},
		{"flags before the name", []string{"--delay=20ms", "--ttl", "1m", "cache"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runDemoCmd(t, nil, tt.args...)
			if code != 0 || out != demoOutput {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s\nwant stdout:\n%s", code, out, errs, demoOutput)
			}
		})
	}
}

// TestDemoCacheRedis runs the demo against a private redis-server: the
// entry is there with its TTL, and a second run (another process) is
// answered from Redis both times, as the tutorial's script would be.
func TestDemoCacheRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	vars := map[string]string{"REDIS_URL": srv.URL, "ABACO_DEMO_DELAY": "10ms", "ABACO_CACHE_TTL": "30s"}
	code, out, errs := runDemoCmd(t, vars, "cache")
	if code != 0 || out != demoOutput {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	const key = "abaco:v1:eval:demo:calculo_demorado(10)"
	if got := srv.MustDo("GET", key); got != "20" {
		t.Fatalf("GET %s = %q, want 20", key, got)
	}
	if ms, err := strconv.Atoi(srv.MustDo("PTTL", key)); err != nil || ms <= 0 || ms > 30_000 {
		t.Fatalf("PTTL %s = %d (%v), want in (0, 30000]", key, ms, err)
	}
	code, out, _ = runDemoCmd(t, vars, "cache")
	if want := "Resultado obtido do cache\n20\nResultado obtido do cache\n20\n"; code != 0 || out != want {
		t.Fatalf("second run: exit %d, stdout:\n%s\nwant:\n%s", code, out, want)
	}
}

func TestDemoUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no demo", nil, 2},
		{"unknown demo", []string{"queue"}, 2},
		{"extra argument", []string{"cache", "more"}, 2},
		{"zero ttl", []string{"cache", "--ttl", "0s"}, 2},
		{"negative delay", []string{"cache", "--delay", "-1s"}, 2},
		{"help", []string{"--help"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if code, out, errs := runDemoCmd(t, nil, tt.args...); code != tt.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tt.code, out, errs)
			}
		})
	}
}

func TestDemoRedisUnreachable(t *testing.T) {
	t.Parallel()
	url := "redis://127.0.0.1:" + strconv.Itoa(redistest.FreePort(t))
	if code, _, errs := runDemoCmd(t, map[string]string{"REDIS_URL": url}, "cache", "--delay", "0s"); code != 1 || errs == "" {
		t.Fatalf("exit %d, stderr %q; want 1 with a message", code, errs)
	}
}
