package cache_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
)

// redisCache returns a cache whose shared tier is a private redis-server.
func redisCache(t *testing.T, o cache.Options) (*cache.Cache, *redistest.Server) {
	t.Helper()
	srv := redistest.Start(t)
	return redisCacheOn(t, srv, o), srv
}

// redisCacheOn returns another cache (as another process would have) on srv.
func redisCacheOn(t *testing.T, srv *redistest.Server, o cache.Options) *cache.Cache {
	t.Helper()
	o.Shared = rdbtest.OpenStore(t, srv.URL)
	o.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	return sharedCache(t, expr.Limits{}, o)
}

func TestRedisEntries(t *testing.T) {
	t.Parallel()
	c, srv := redisCache(t, cache.Options{})
	ctx := context.Background()
	tests := []struct{ name, in, key, entry string }{
		{"value", "2+2", "abaco:v1:eval:2 + 2", "4"},
		{"float", "1/4", "abaco:v1:eval:1 / 4", "0.25"},
		{"bool", "1 < 2", "abaco:v1:eval:1 < 2", "True"},
		{"error", "1/0", "abaco:v1:eval:1 / 0", "error:division_by_zero:division by zero"},
		{"syntax error", "2 +", "abaco:v1:eval:raw:2 +", "error:syntax@4:unexpected end of expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Evaluate(ctx, tt.in)
			waitWrites(t, c)
			if got := srv.MustDo("GET", tt.key); got != tt.entry {
				t.Errorf("GET %q = %q, want %q", tt.key, got, tt.entry)
			}
			ms, _ := strconv.Atoi(srv.MustDo("PTTL", tt.key))
			if ms <= 0 || ms > 10_000 {
				t.Errorf("PTTL %q = %d, want in (0, 10000] (the default TTL)", tt.key, ms)
			}
		})
	}
}

func TestRedisFlushRemovesOnlyAbacoKeys(t *testing.T) {
	t.Parallel()
	c, srv := redisCache(t, cache.Options{})
	ctx := context.Background()
	srv.MustDo("SET", "produto:1", "keep")
	srv.MustDo("RPUSH", "number_queue", "7")
	for i := range 10 {
		c.Evaluate(ctx, fmt.Sprintf("%d + 1", i))
	}
	n, err := c.Flush(ctx)
	if err != nil || n != 10 {
		t.Fatalf("Flush = %d, %v; want 10", n, err)
	}
	if got := srv.MustDo("DBSIZE"); got != "2" {
		t.Fatalf("DBSIZE after Flush = %s, want 2", got)
	}
	eval(t, c, "0 + 1", abaco.CacheMiss, "")
}

// TestRedisFlushDuringOutage checks that a flush with Redis down fails
// with code unavailable within FlushTimeout: the client retries read-only
// commands such as SCAN, so without the bound it would wait forever. The
// breaker threshold is high so the flush really reaches Redis.
func TestRedisFlushDuringOutage(t *testing.T) {
	t.Parallel()
	c, srv := redisCache(t, cache.Options{FlushTimeout: 300 * time.Millisecond, BreakerThreshold: 1000})
	eval(t, c, "6*7", abaco.CacheMiss, "")
	srv.Stop()
	done := make(chan error, 1)
	go func() {
		_, err := c.Flush(context.Background())
		done <- err
	}()
	select {
	case err := <-done:
		if code := abaco.ErrorCode(err); code != abaco.CodeUnavailable {
			t.Fatalf("Flush with Redis down: %v (code %q), want code unavailable", err, code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Flush with Redis down did not return within 10s (FlushTimeout is 300ms)")
	}
}

// TestRedisOutage takes Redis away while goroutines keep evaluating, in
// two ways: stopped (connections refused) and hung (CLIENT PAUSE: commands
// wait, so only the timeout saves a request). Every evaluation stays
// correct and none waits longer than the shared tier's timeout allows,
// Ready reports the outage, and once Redis is back the cache recovers by
// itself and writes to Redis again.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		begin, end func(*redistest.Server)
	}{
		{"stopped", (*redistest.Server).Stop, (*redistest.Server).Restart},
		// A paused server blocks even CLIENT UNPAUSE, so the pause is
		// given its length up front and ends by itself.
		{"hung",
			func(s *redistest.Server) { s.MustDo("CLIENT", "PAUSE", "2000", "ALL") },
			func(*redistest.Server) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testOutage(t, tt.begin, tt.end)
		})
	}
}

func testOutage(t *testing.T, begin, end func(*redistest.Server)) {
	const timeout = 100 * time.Millisecond
	reg := prometheus.NewRegistry()
	c, srv := redisCache(t, cache.Options{SharedTimeout: timeout, BreakerThreshold: 3,
		BreakerCooldown: 200 * time.Millisecond, Registerer: reg})
	ctx := context.Background()
	var (
		stop    atomic.Bool
		slowest atomic.Int64
		calls   atomic.Int64
		wg      sync.WaitGroup
	)
	for g := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				// Mostly new expressions, so that the shared tier is asked.
				in := fmt.Sprintf("%d + %d", g, i)
				start := time.Now()
				r, err := c.Evaluate(ctx, in)
				d := time.Since(start)
				if err != nil || r.Value != strconv.Itoa(g+i) {
					t.Errorf("Evaluate(%q) = %+v, %v during the outage", in, r, err)
					return
				}
				calls.Add(1)
				// Requests arrive, they do not spin: leave the machine's
				// two cores to Redis and the other goroutines.
				time.Sleep(time.Millisecond)
				for {
					old := slowest.Load()
					if int64(d) <= old || slowest.CompareAndSwap(old, int64(d)) {
						break
					}
				}
			}
		})
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("not %s within 10s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	waitFor("ready before the outage", func() bool { return c.Ready(ctx) == nil })
	waitFor("evaluating", func() bool { return calls.Load() > 100 })
	if since, reason := c.Degraded(); !since.IsZero() {
		t.Errorf("before the outage: degraded since %v (%s)", since, reason)
	}
	began := time.Now()
	begin(srv)
	waitFor("unready during the outage", func() bool { return c.Ready(ctx) != nil })
	since, reason := c.Degraded()
	if since.Before(began) || since.After(time.Now()) || reason == "" {
		t.Errorf("during the outage: degraded since %v (%q), want a time after %v and a reason", since, reason, began)
	}
	before := calls.Load()
	waitFor("evaluating during the outage", func() bool { return calls.Load() > before+200 })
	// Since is the outage's start, not the last failure's time.
	if again, _ := c.Degraded(); !again.Equal(since) && !again.IsZero() {
		t.Errorf("during the outage: degraded since moved from %v to %v", since, again)
	}

	end(srv)
	waitFor("ready after the outage", func() bool { return c.Ready(ctx) == nil })
	if since, reason := c.Degraded(); !since.IsZero() {
		t.Errorf("after the outage: degraded since %v (%s)", since, reason)
	}
	// New entries reach Redis again. (One try could still time out on a
	// loaded machine, hence the loop.)
	n := 0
	waitFor("writing to Redis again", func() bool {
		n++
		in := fmt.Sprintf("1000 + %d", n)
		if r, err := c.Evaluate(ctx, in); err != nil || r.Value != strconv.Itoa(1000+n) {
			t.Fatalf("Evaluate(%q) = %+v, %v", in, r, err)
		}
		waitWrites(t, c)
		got, _ := srv.Do("GET", "abaco:v1:eval:"+in)
		return got == strconv.Itoa(1000+n)
	})
	stop.Store(true)
	wg.Wait()

	m := gather(t, reg)
	if failed := m[`abaco_cache_shared_errors_total{op="get"}`] + m[`abaco_cache_shared_errors_total{op="set"}`]; failed == 0 {
		t.Error("the outage was not counted in abaco_cache_shared_errors_total")
	}
	t.Logf("%d evaluations, slowest %v, shared errors: get %v set %v ping %v", calls.Load(), time.Duration(slowest.Load()),
		m[`abaco_cache_shared_errors_total{op="get"}`], m[`abaco_cache_shared_errors_total{op="set"}`], m[`abaco_cache_shared_errors_total{op="ping"}`])
	// A call may pay the shared-tier timeout for a read and a write before
	// the breaker opens; the slack is for a loaded machine running -race.
	if limit := 2*timeout + 800*time.Millisecond; time.Duration(slowest.Load()) > limit {
		t.Errorf("slowest evaluation took %v, more than %v", time.Duration(slowest.Load()), limit)
	}
}
