package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"abaco/internal/redistest"
)

// syncBuffer is a log sink the server and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

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
func startServer(t *testing.T, cfg serveConfig, wrap func(http.Handler) http.Handler) (base string, logs *syncBuffer, stop func() error) {
	t.Helper()
	logs = &syncBuffer{}
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

func TestServeFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"ABACO_ADDR": ":9999", "REDIS_URL": "redis://r:6379/2", "ABACO_CACHE_TTL": "3s",
		"ABACO_ADMIN_TOKEN": "tok", "ABACO_MAX_CONCURRENT": "7", "ABACO_WORKERS": "3",
	}
	e := &Env{Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
	cfg, err := parseServeFlags(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9999" || cfg.RedisURL != "redis://r:6379/2" || cfg.CacheTTL != 3*time.Second ||
		cfg.AdminToken != "tok" || cfg.MaxConcurrent != 7 || cfg.Workers != 3 {
		t.Errorf("from environment: %+v", cfg)
	}
	cfg, err = parseServeFlags(e, []string{"--addr", ":1", "--cache-ttl", "1m"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":1" || cfg.CacheTTL != time.Minute {
		t.Errorf("flags must win over the environment: %+v", cfg)
	}
	def, err := parseServeFlags(&Env{Stderr: io.Discard, Getenv: func(string) string { return "" }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if def.Addr != ":8000" || def.CacheTTL != 10*time.Second || def.RedisURL != "" || def.AdminToken != "" {
		t.Errorf("defaults: %+v", def)
	}
	if _, err := parseServeFlags(e, []string{"--log-level", "loud"}); err == nil {
		t.Error("a bad log level was accepted")
	}
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

// TestMalformedEnvironment checks that an environment value a flag cannot
// parse is a usage error naming the variable, not a silent default, and
// that the command line setting the flag makes it harmless.
func TestMalformedEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, value, flag, good string
	}{
		{"ABACO_CACHE_TTL", "10", "--cache-ttl", "10s"},
		{"ABACO_MAX_CONCURRENT", "many", "--max-concurrent", "8"},
		{"ABACO_LOG_REQUESTS", "sometimes", "--log-requests", "true"},
		{"ABACO_MAX_LENGTH", "4k", "--max-length", "4000"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			var stderr strings.Builder
			e := &Env{Stderr: &stderr, Getenv: func(k string) string {
				if k == tt.key {
					return tt.value
				}
				return ""
			}}
			if _, err := parseServeFlags(e, nil); !errors.Is(err, errUsage) {
				t.Fatalf("%s=%q: err %v, want a usage error", tt.key, tt.value, err)
			}
			want := fmt.Sprintf("invalid value %q for %s (the environment of %s)", tt.value, tt.key, tt.flag)
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
			}
			if _, err := parseServeFlags(e, []string{tt.flag + "=" + tt.good}); err != nil {
				t.Errorf("with %s=%s on the command line: %v", tt.flag, tt.good, err)
			}
		})
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

// TestHelpHidesSecrets checks that --help never prints the password of
// REDIS_URL or the admin token, while the values are still used.
func TestHelpHidesSecrets(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"REDIS_URL": "redis://u:s3cret@127.0.0.1:1", "ABACO_ADMIN_TOKEN": "supersecret"}
	for _, cmd := range []string{"serve", "worker", "consume", "produce", "queue", "demo"} {
		var out bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(k string) string { return vars[k] }}
		if code := run(context.Background(), env, []string{cmd, "--help"}); code != 0 {
			t.Errorf("%s --help: status %d\n%s", cmd, code, out.String())
		}
		if s := out.String(); strings.Contains(s, "s3cret") || strings.Contains(s, "supersecret") || !strings.Contains(s, "REDIS_URL") {
			t.Errorf("%s --help shows a secret or no REDIS_URL:\n%s", cmd, s)
		}
	}
	cfg, err := parseServeFlags(&Env{Stderr: io.Discard, Getenv: func(k string) string { return vars[k] }}, nil)
	if err != nil || cfg.RedisURL != vars["REDIS_URL"] || cfg.AdminToken != vars["ABACO_ADMIN_TOKEN"] {
		t.Errorf("secrets from the environment: %+v, %v", cfg, err)
	}
}
