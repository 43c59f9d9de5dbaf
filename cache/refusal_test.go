package cache_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco/cache"
	"abaco/expr"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/internal/syncbuf"
)

// TestRedisRefusesWrites fills a Redis at maxmemory with noeviction while
// a cache writes new entries to it: reads keep working, the breaker never
// opens, one warn line names OOM, the writable gauge is 0 and
// WritesRefused reports Redis's text. Once memory is freed, writes resume
// and the refusal ends with one info line.
func TestRedisRefusesWrites(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
	var logs syncbuf.Buffer
	reg := prometheus.NewRegistry()
	c := sharedCache(t, expr.Limits{}, cache.Options{
		Shared:     rdbtest.OpenStore(t, srv.URL),
		Registerer: reg,
		Logger:     slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	ctx := context.Background()
	// An entry written before Redis is full, read later by another cache.
	c.Evaluate(ctx, costly)
	waitWrites(t, c)
	free := srv.Fill()

	n := 0
	evaluate := func(d time.Duration) {
		for end := time.Now().Add(d); time.Now().Before(end); n++ {
			if r, err := c.Evaluate(ctx, fmt.Sprintf("%d + 1", n)); err != nil || r.Value != fmt.Sprint(n+1) {
				t.Fatalf("Evaluate: %+v, %v", r, err)
			}
			waitWrites(t, c)
			time.Sleep(2 * time.Millisecond)
		}
	}
	evaluate(2500 * time.Millisecond)
	since, reason := c.WritesRefused()
	if since.IsZero() || !strings.HasPrefix(reason, "OOM ") {
		t.Errorf("WritesRefused = %v %q, want a time and Redis's OOM text", since, reason)
	}
	other := sharedCache(t, expr.Limits{}, cache.Options{Shared: rdbtest.OpenStore(t, srv.URL)})
	eval(t, other, costly, "hit", "shared")
	m := gather(t, reg)
	for series, want := range map[string]float64{
		`abaco_cache_breaker_changes_total{to="open"}`:  0,
		`abaco_dependency_up{dependency="redis"}`:       1,
		`abaco_dependency_writable{dependency="redis"}`: 0,
	} {
		if m[series] != want {
			t.Errorf("while Redis refuses writes: %s = %v, want %v", series, m[series], want)
		}
	}
	if m[`abaco_cache_shared_writes_dropped_total`] == 0 {
		t.Error("no write counted as dropped while Redis refuses writes")
	}
	if got := countLines(logs.String(), `"level":"WARN"`); got != 1 || !strings.Contains(logs.String(), "OOM") {
		t.Errorf("%d warn lines, want exactly one naming OOM:\n%s", got, logs.String())
	}

	free()
	for deadline := time.Now().Add(10 * time.Second); ; {
		evaluate(100 * time.Millisecond)
		if since, _ := c.WritesRefused(); since.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes still refused 10s after memory was freed:\n%s", logs.String())
		}
	}
	if got := gather(t, reg)[`abaco_dependency_writable{dependency="redis"}`]; got != 1 {
		t.Errorf("after the refusal: abaco_dependency_writable = %v, want 1", got)
	}
	if got := countLines(logs.String(), "write-back resumed"); got != 1 {
		t.Errorf("%d lines saying write-back resumed, want 1:\n%s", got, logs.String())
	}
}

// countLines counts the lines of s that contain sub.
func countLines(s, sub string) int {
	n := 0
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			n++
		}
	}
	return n
}
