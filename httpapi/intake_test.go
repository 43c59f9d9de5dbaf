package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"abaco"
	"abaco/cache"
	"abaco/httpapi"
	"abaco/inmem"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/queue"
	"abaco/rdb"
)

// submitFrom sends POST /jobs from the remote address addr.
func submitFrom(t *testing.T, h http.Handler, addr string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "/jobs", strings.NewReader(evalBody(t, "1+1")))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = addr
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestJobsRateLimit sends POST /jobs from several addresses to a server
// allowing bursts of 3 and a token every 10 s (so none comes back during
// the test): each client has its own bucket (an IPv6 /64 is one client),
// every answer carries the RateLimit fields, and the request past the
// burst is 429 rate_limited with a Retry-After no earlier than the
// effective window.
func TestJobsRateLimit(t *testing.T) {
	t.Parallel()
	h := newAPI(t, func(c *httpapi.Config, cc *cache.Cache) {
		c.Jobs = queue.NewJobs(inmem.NewBroker(), cc, queue.JobOptions{})
		c.JobRate, c.JobBurst = 0.1, 3
	})
	steps := []struct {
		addr   string
		status int
		limit  string // the RateLimit field
	}{
		{"192.0.2.1:1000", 202, `"jobs";r=2;t=10`},
		{"192.0.2.1:1001", 202, `"jobs";r=1;t=10`},
		{"192.0.2.1:1002", 202, `"jobs";r=0;t=10`},
		{"192.0.2.1:1003", 429, `"jobs";r=0;t=10`},
		{"192.0.2.2:1000", 202, `"jobs";r=2;t=10`},
		{"[2001:db8::1]:1", 202, `"jobs";r=2;t=10`},
		{"[2001:db8::2]:1", 202, `"jobs";r=1;t=10`},
		{"[2001:db8:0:1::1]:1", 202, `"jobs";r=2;t=10`},
	}
	for i, s := range steps {
		w := submitFrom(t, h, s.addr)
		if w.Code != s.status {
			t.Fatalf("step %d from %s: status %d, want %d: %s", i, s.addr, w.Code, s.status, w.Body.String())
		}
		if got := w.Header().Get("RateLimit-Policy"); got != `"jobs";q=3;w=30` {
			t.Errorf("step %d: RateLimit-Policy %q", i, got)
		}
		if got := w.Header().Get("RateLimit"); got != s.limit {
			t.Errorf("step %d: RateLimit %q, want %q", i, got, s.limit)
		}
		if s.status != 429 {
			continue
		}
		problemOf(t, w, 429, abaco.CodeRateLimited)
		if ra, _ := strconv.Atoi(w.Header().Get("Retry-After")); ra < 10 {
			t.Errorf("Retry-After %q, want at least the 10 s window", w.Header().Get("Retry-After"))
		}
	}
}

// TestJobsQueueFull fills a queue with no worker: past its bound POST
// /jobs is 429 queue_full with Retry-After, and without a rate limit
// configured no RateLimit field is sent.
func TestJobsQueueFull(t *testing.T) {
	t.Parallel()
	h := newAPI(t, func(c *httpapi.Config, cc *cache.Cache) {
		c.Jobs = queue.NewJobs(inmem.NewBroker(), cc, queue.JobOptions{MaxQueued: 2})
	})
	for range 2 {
		if w := submitFrom(t, h, "192.0.2.1:1"); w.Code != 202 {
			t.Fatalf("under the bound: %d %s", w.Code, w.Body.String())
		}
	}
	w := submitFrom(t, h, "192.0.2.1:1")
	problemOf(t, w, 429, abaco.CodeQueueFull)
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	if got := w.Header().Get("RateLimit"); got != "" {
		t.Errorf("RateLimit %q sent without a rate limit", got)
	}
}

// TestJobsRedisDown submits a job while the queue's real Redis is
// stopped: 503 unavailable with Retry-After, not a 500 and not a hang.
func TestJobsRedisDown(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	jobs := queue.NewJobs(rdb.NewBroker(rdbtest.Open(t, srv.URL)), nil, queue.JobOptions{})
	h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) { c.Jobs = jobs })
	if w := submitFrom(t, h, "192.0.2.1:1"); w.Code != 202 {
		t.Fatalf("with Redis up: %d %s", w.Code, w.Body.String())
	}
	srv.Stop()
	w := submitFrom(t, h, "192.0.2.1:1")
	problemOf(t, w, http.StatusServiceUnavailable, abaco.CodeUnavailable)
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
}

// TestRefusalsLoggedAtDebug checks that a request refused by a limit (429)
// writes no log line at info, so that a flood cannot fill the log, and
// one line at debug.
func TestRefusalsLoggedAtDebug(t *testing.T) {
	t.Parallel()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf bytes.Buffer
		h := newAPI(t, func(c *httpapi.Config, cc *cache.Cache) {
			c.Jobs = queue.NewJobs(inmem.NewBroker(), cc, queue.JobOptions{})
			c.JobRate, c.JobBurst = 0.1, 1
			c.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: level}))
		})
		for i, want := range []int{202, 429} {
			if w := submitFrom(t, h, "192.0.2.1:1000"); w.Code != want {
				t.Fatalf("request %d: status %d, want %d", i, w.Code, want)
			}
		}
		lines := strings.Count(buf.String(), `"status":429`)
		if want := map[slog.Level]int{slog.LevelInfo: 0, slog.LevelDebug: 1}[level]; lines != want {
			t.Errorf("at level %v: %d log lines of the 429, want %d:\n%s", level, lines, want, buf.String())
		}
	}
}
