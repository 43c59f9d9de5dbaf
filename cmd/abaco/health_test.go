package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ addr, want string }{
		{":8000", "http://127.0.0.1:8000/readyz"},
		{"0.0.0.0:8000", "http://127.0.0.1:8000/readyz"},
		{"[::]:8000", "http://127.0.0.1:8000/readyz"},
		{"127.0.0.1:9001", "http://127.0.0.1:9001/readyz"},
		{"[::1]:9001", "http://[::1]:9001/readyz"},
	}
	for _, tc := range tests {
		if got := healthURL(tc.addr); got != tc.want {
			t.Errorf("healthURL(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

// TestHealth runs abaco health against a real server, a server that is not
// ready, and a port nobody listens on.
func TestHealth(t *testing.T) {
	t.Parallel()
	base, _, _ := startServer(t, testConfig(t), nil)
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"type":"/problems/unavailable","title":"Service unavailable","status":503,"detail":"the shared cache (Redis) is unreachable","code":"unavailable"}`))
	}))
	t.Cleanup(notReady.Close) // after the parallel subtests, not when this function returns
	degraded := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"status":"degraded","degraded":[{"dependency":"redis","condition":"unreachable","since":"2026-12-02T12:00:00Z","reason":"r"},` +
			`{"dependency":"redis","condition":"evicting_policy","since":"2026-12-02T12:00:00Z","reason":"r"}]}`))
	}))
	t.Cleanup(degraded.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/readyz"
	l.Close()
	addr := strings.TrimPrefix(base, "http://")

	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stdout string // exact
		stderr string // substring
	}{
		{name: "ready, by --url", args: []string{"--url", base + "/readyz"}, stdout: "ready\n"},
		{name: "ready, by ABACO_ADDR", env: map[string]string{"ABACO_ADDR": addr}, stdout: "ready\n"},
		{name: "ready, by ABACO_HEALTH_URL", env: map[string]string{"ABACO_HEALTH_URL": base + "/readyz"}, stdout: "ready\n"},
		// /readyz answers 200 while degraded: the server still answers /evaluate.
		{name: "degraded", args: []string{"--url", degraded.URL + "/readyz"}, stdout: "degraded: redis unreachable, redis evicting_policy\n"},
		{name: "503 problem", args: []string{"--url", notReady.URL + "/readyz"}, code: 1,
			stderr: "answered 503: the shared cache (Redis) is unreachable"},
		{name: "nobody listens", args: []string{"--url", closed}, code: 1, stderr: "abaco health: not ready: "},
		{name: "not a health endpoint", args: []string{"--url", base + "/healthz"}, code: 1, stderr: "without a readiness status"},
		{name: "bad timeout", args: []string{"--timeout", "0s"}, code: 2, stderr: "--timeout must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errb strings.Builder
			env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return tc.env[k] }}
			code := run(t.Context(), env, append([]string{"health"}, tc.args...))
			if code != tc.code || out.String() != tc.stdout || !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, stderr containing %q",
					code, out.String(), errb.String(), tc.code, tc.stdout, tc.stderr)
			}
			if tc.code == 1 && strings.Count(errb.String(), "\n") != 1 {
				t.Errorf("the reason is not one line: %q", errb.String())
			}
		})
	}
}
