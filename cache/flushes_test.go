package cache_test

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/rdb"
)

// flushPair is two caches over one Redis, as two processes would have,
// each with its flush signal and its own metrics.
type flushPair struct {
	a, b       *cache.Cache
	aReg, bReg *prometheus.Registry
}

// newFlushPair returns two caches over the Redis at url, with a TTL of an
// hour: only a flush heard of can empty their in-process tiers in a test.
// Both have read the generation and subscribed to the flush channel (on
// one of nodes, the servers of url) when it returns.
func newFlushPair(t *testing.T, url string, nodes ...*redistest.Server) flushPair {
	t.Helper()
	p := flushPair{aReg: prometheus.NewRegistry(), bReg: prometheus.NewRegistry()}
	open := func(reg *prometheus.Registry) *cache.Cache {
		c := rdbtest.Open(t, url)
		return sharedCache(t, expr.Limits{}, cache.Options{TTL: time.Hour, Shared: rdb.NewStore(c),
			Flushes: rdb.NewFlushes(c), Registerer: reg,
			Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))})
	}
	p.a, p.b = open(p.aReg), open(p.bReg)
	waitGeneration(t, p.a)
	waitGeneration(t, p.b)
	waitSubscribers(t, 2, nodes...)
	return p
}

// waitGeneration waits until c has read the flush generation: a flush
// before that could not drop what the tier holds then, and a test warms
// the tier after it.
func waitGeneration(t *testing.T, c *cache.Cache) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); cache.SeenGeneration(c) == ""; {
		if time.Now().After(deadline) {
			t.Fatal("the cache has read no flush generation in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// drops returns abaco_cache_local_drops_total{via} of reg.
func drops(t *testing.T, reg prometheus.Gatherer, via string) float64 {
	t.Helper()
	return gather(t, reg)[`abaco_cache_local_drops_total{via="`+via+`"}`]
}

// allDrops returns abaco_cache_local_drops_total of reg, whatever the via.
func allDrops(t *testing.T, reg prometheus.Gatherer) float64 {
	t.Helper()
	return drops(t, reg, "message") + drops(t, reg, "generation")
}

// warm evaluates in on c until its in-process tier answers.
func warm(t *testing.T, c *cache.Cache, in string) {
	t.Helper()
	c.Evaluate(context.Background(), in)
	eval(t, c, in, abaco.CacheHit, "local")
}

// waitLocalMiss evaluates in on c until its in-process tier no longer
// answers, for up to within.
func waitLocalMiss(t *testing.T, c *cache.Cache, in string, within time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		r, _ := c.Evaluate(context.Background(), in)
		if r.Tier != "local" {
			return
		}
		if time.Since(start) > within {
			t.Fatalf("Evaluate(%q) still answered by the in-process tier %v later", in, within)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// TestFlushReachesOtherCaches flushes one cache, again and again, and
// checks that the other's in-process tier answers no more within a second
// (typically a millisecond: the test logs the median), on one Redis and on
// a cluster, where the flushing cache and the other may subscribe on
// different nodes. The flushing cache does not count its own flush as
// another's.
func TestFlushReachesOtherCaches(t *testing.T) {
	t.Parallel()
	for _, d := range redistest.Deployments {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			url, nodes := d.Start(t)
			p := newFlushPair(t, url, nodes...)
			const rounds = 15
			var took []time.Duration
			for range rounds {
				warm(t, p.b, "2+2")
				start := time.Now()
				if _, err := p.a.Flush(context.Background()); err != nil {
					t.Fatal(err)
				}
				waitLocalMiss(t, p.b, "2+2", time.Second)
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			t.Logf("flush on A to B's first answer not from its in-process tier: median %v, max %v of %d",
				took[rounds/2], took[rounds-1], rounds)
			// A read of the generation may see a flush before its message.
			if got := allDrops(t, p.bReg); got != rounds {
				t.Errorf("the other cache counted %v drops, want %d", got, rounds)
			}
			if got := allDrops(t, p.aReg); got != 0 {
				t.Errorf("the flushing cache counted %v drops of its own tier, want 0", got)
			}
		})
	}
}

// TestFlushElsewhere checks what makes a cache drop its in-process tier
// besides an announced flush, and what does not: a generation changed
// while its announcement was missed, a FLUSHALL by hand and a Redis
// restarted without its data each drop it once, found by a read of the
// generation (within flushCheck, a second, or once the cache has
// reconnected); a lost connection, with the generation unchanged, drops
// nothing.
func TestFlushElsewhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		do    func(t *testing.T, srv *redistest.Server)
		drops float64
	}{
		{"announcement missed", func(t *testing.T, srv *redistest.Server) {
			srv.MustDo("INCR", "abaco:v1:generation")
		}, 1},
		{"FLUSHALL by hand", func(t *testing.T, srv *redistest.Server) { srv.MustDo("FLUSHALL") }, 1},
		{"restart without data", func(t *testing.T, srv *redistest.Server) { srv.Stop(); srv.Restart() }, 1},
		{"connection lost", killSubscriptions, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t)
			p := newFlushPair(t, srv.URL, srv)
			warm(t, p.b, "2+2")
			tt.do(t, srv)
			if tt.drops == 0 {
				waitSubscribers(t, 2, srv)
				waitChecks(t, srv, 4)
				eval(t, p.b, "2+2", abaco.CacheHit, "local")
			} else {
				waitLocalMiss(t, p.b, "2+2", 5*time.Second)
			}
			// Every read of the generation from now on finds the one it found.
			waitChecks(t, srv, 4)
			for _, reg := range []*prometheus.Registry{p.aReg, p.bReg} {
				if got := drops(t, reg, "generation"); got != tt.drops {
					t.Errorf("drops via the generation = %v, want %v", got, tt.drops)
				}
				if got := drops(t, reg, "message"); got != 0 {
					t.Errorf("drops via a message = %v, want 0", got)
				}
			}
		})
	}
}

// killSubscriptions closes every pub/sub connection of srv, as a network
// blip would.
func killSubscriptions(t *testing.T, srv *redistest.Server) {
	srv.MustDo("CLIENT", "KILL", "TYPE", "pubsub")
}

// waitSubscribers waits until n clients subscribe to the flush channel,
// counted over nodes.
func waitSubscribers(t *testing.T, n int, nodes ...*redistest.Server) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		got := 0
		for _, s := range nodes {
			r := s.MustDo("PUBSUB", "NUMSUB", "abaco:v1:flush")
			k, _ := strconv.Atoi(r[strings.LastIndexByte(r, '\n')+1:])
			got += k
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers of abaco:v1:flush after 10s, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitChecks waits until srv has run n more reads of the generation (each
// an EVALSHA). With two caches reading once a second each, both have read
// it by then.
func waitChecks(t *testing.T, srv *redistest.Server, n int) {
	t.Helper()
	start := evalshaCalls(t, srv)
	for deadline := time.Now().Add(10 * time.Second); evalshaCalls(t, srv) < start+n; {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d reads of the generation in 10s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// evalshaCalls returns how many EVALSHA srv has run (INFO commandstats).
func evalshaCalls(t *testing.T, srv *redistest.Server) int {
	t.Helper()
	info := srv.MustDo("INFO", "commandstats")
	_, rest, ok := strings.Cut(info, "cmdstat_evalsha:calls=")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
	return n
}
