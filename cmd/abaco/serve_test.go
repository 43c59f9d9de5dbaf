package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"abaco/internal/syncbuf"
)

// testConfig is serve's configuration from its flags, with no environment.
func testConfig(t *testing.T, args ...string) serveConfig {
	t.Helper()
	var stderr bytes.Buffer
	cfg, err := parseServeFlags(&Env{Stderr: &stderr, Getenv: func(string) string { return "" }},
		append([]string{"--addr", "127.0.0.1:0"}, args...))
	if err != nil {
		t.Fatalf("flags: %v\n%s", err, stderr.String())
	}
	return cfg
}

// startServer runs a server for cfg until the test ends; wrap, when set,
// wraps its handler.
func startServer(t *testing.T, cfg serveConfig, wrap func(http.Handler) http.Handler) (base string, logs *syncbuf.Buffer, stop func() error) {
	t.Helper()
	logs = &syncbuf.Buffer{}
	s, err := newServer(cfg, logs)
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		s.http.Handler = wrap(s.http.Handler)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() { cancel(); runErr = <-done; s.Close() })
		return runErr
	}
	t.Cleanup(func() { stop() })
	return "http://" + s.Addr(), logs, stop
}

func post(t *testing.T, url, body string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return resp, readJSON(t, resp)
}

func readJSON(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

// TestServeWiresHTTPLimits checks that the timeout and size flags reach
// the http.Server and the cache, and that an oversized header block is
// refused over real HTTP (431) before any handler runs.
func TestServeWiresHTTPLimits(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "--read-header-timeout", "2s", "--read-timeout", "3s", "--write-timeout", "4s",
		"--idle-timeout", "5s", "--max-header-bytes", "1024", "--cache-bytes", "4096")
	if cfg.CacheBytes != 4096 {
		t.Errorf("--cache-bytes: %d", cfg.CacheBytes)
	}
	s, err := newServer(cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := s.http
	if h.ReadHeaderTimeout != 2*time.Second || h.ReadTimeout != 3*time.Second || h.WriteTimeout != 4*time.Second ||
		h.IdleTimeout != 5*time.Second || h.MaxHeaderBytes != 1024 {
		t.Errorf("http.Server: ReadHeaderTimeout %v ReadTimeout %v WriteTimeout %v IdleTimeout %v MaxHeaderBytes %d",
			h.ReadHeaderTimeout, h.ReadTimeout, h.WriteTimeout, h.IdleTimeout, h.MaxHeaderBytes)
	}
	base, _, _ := startServer(t, cfg, nil)
	req, _ := http.NewRequest("GET", base+"/healthz", nil)
	// net/http allows 4 KiB over MaxHeaderBytes; this is well past both.
	req.Header.Set("X-Padding", strings.Repeat("x", 16<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("16 KiB header with --max-header-bytes 1024: status %d, want 431", resp.StatusCode)
	}
}

func TestServeEmbedded(t *testing.T) {
	t.Parallel()
	base, logs, stop := startServer(t, testConfig(t, "--workers", "1", "--log-requests"), nil)
	for i, want := range []string{"miss", "hit"} {
		resp, m := post(t, base+"/evaluate", `{"expressao": "2+2"}`)
		if resp.StatusCode != 200 || m["resultado"] != json.Number("4") || resp.Header.Get("X-Cache") != want {
			t.Fatalf("call %d: %d %v X-Cache %q", i, resp.StatusCode, m, resp.Header.Get("X-Cache"))
		}
	}
	resp, m := post(t, base+"/jobs", `{"expressao": "6*7"}`)
	if resp.StatusCode != 202 {
		t.Fatalf("POST /jobs: %d %v", resp.StatusCode, m)
	}
	waitJob(t, base+resp.Header.Get("Location"), "42")

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"abaco_http_requests_total", "go_goroutines", "abaco_cache"} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	var line struct {
		Msg       string `json:"msg"`
		RequestID string `json:"request_id"`
		Path      string `json:"path"`
		Status    int    `json:"status"`
	}
	found := false
	for _, l := range strings.Split(logs.String(), "\n") {
		if json.Unmarshal([]byte(l), &line) == nil && line.Msg == "request" && line.Path == "/evaluate" {
			found = line.RequestID != "" && line.Status == 200
		}
	}
	if !found {
		t.Errorf("no JSON request log line with a request id:\n%s", logs.String())
	}
}

// TestServeGracefulShutdown cancels Run while a request is in flight: the
// request still gets its answer, and Run returns once it has.
func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	hold := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("hold") != "" {
				close(started)
				<-release
			}
			next.ServeHTTP(w, r)
		})
	}
	base, _, stop := startServer(t, testConfig(t), hold)
	type answer struct {
		status int
		body   map[string]any
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Post(base+"/evaluate?hold=1", "application/json", strings.NewReader(`{"expressao": "2+2"}`))
		if err != nil {
			answered <- answer{status: -1}
			return
		}
		answered <- answer{resp.StatusCode, readJSON(t, resp)}
	}()
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) with a request in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	a := <-answered
	if a.status != 200 || a.body["resultado"] != json.Number("4") {
		t.Fatalf("in-flight request: %d %v", a.status, a.body)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

// TestServeLimits checks that the engine limit flags reach the evaluations
// serve answers, and that a non-positive limit is a usage error.
func TestServeLimits(t *testing.T) {
	t.Parallel()
	e := &Env{Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if _, err := parseServeFlags(e, []string{"--max-depth", "0"}); !errors.Is(err, errUsage) {
		t.Errorf("--max-depth 0: err %v, want a usage error", err)
	}
	base, _, stop := startServer(t, testConfig(t, "--max-length", "8"), nil)
	defer stop()
	resp, m := post(t, base+"/evaluate", `{"expressao": "1+2+3+4+5"}`)
	if resp.StatusCode != 422 || m["code"] != "limit" {
		t.Errorf("9-byte input with --max-length 8: %d %v, want 422 limit", resp.StatusCode, m)
	}
	resp, m = post(t, base+"/evaluate", `{"expressao": "1+2+3"}`)
	if resp.StatusCode != 200 || m["resultado"] != json.Number("6") {
		t.Errorf("short input: %d %v", resp.StatusCode, m)
	}
}
