package cache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/inmem"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/internal/storetest"
)

// TestOverStores runs the cases below over every store, so that what the
// cache promises of its shared tier (one entry per canonical form, errors
// cached like results, entries shared between processes until their TTL,
// flush, one computation per key at a time) holds over each of them, not
// only over the one another test happens to use. The cluster runs the
// cases one after another, on one cluster.
func TestOverStores(t *testing.T) {
	t.Parallel()
	cases := []storetest.Case{
		{Name: "one entry per canonical form", Run: testCacheCanonicalKey},
		{Name: "errors", Run: testCacheErrors},
		{Name: "shared until the ttl", Run: testCacheShared},
		{Name: "flush", Run: testCacheFlush},
		{Name: "single flight", Run: testCacheSingleFlight},
	}
	t.Run("inmem", func(t *testing.T) {
		t.Parallel()
		storetest.RunCases(t, cases, func(*testing.T) abaco.Store { return inmem.NewStore(inmem.StoreOptions{}) })
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		storetest.RunCases(t, cases, func(t *testing.T) abaco.Store {
			return rdbtest.OpenStore(t, redistest.Start(t).URL)
		})
	})
	t.Run("redis cluster", func(t *testing.T) {
		t.Parallel()
		storetest.RunCasesSerial(t, cases, rdbtest.OpenStore(t, redistest.StartCluster(t).URL))
	})
}

// costlyValue is the value of costly.
const costlyValue = "376"

// storeCache returns a cache over s, as one process would have, closed
// when t ends.
func storeCache(t *testing.T, s abaco.Store, limits expr.Limits, ttl time.Duration) *cache.Cache {
	t.Helper()
	return sharedCache(t, limits, cache.Options{Shared: s, TTL: ttl})
}

// sharedCache returns a cache with a shared tier, closed when t ends. The
// shared timeout is generous unless o sets one: these tests are about
// behaviour, not speed, and a machine loaded by a parallel -race run must
// not turn a slow reply into a bypass.
func sharedCache(t *testing.T, limits expr.Limits, o cache.Options) *cache.Cache {
	t.Helper()
	if o.SharedTimeout == 0 {
		o.SharedTimeout = 5 * time.Second
	}
	c := cache.New(expr.New(limits), o)
	t.Cleanup(c.Close)
	return c
}

// wantEntries checks the store's entries: each key of want holds its
// entry, and Flush finds exactly that many (so nothing else was stored).
func wantEntries(t *testing.T, s abaco.Store, want map[string]string) {
	t.Helper()
	for k, entry := range want {
		if b, ok := storetest.Get(t, s, k); !ok || string(b) != entry {
			t.Errorf("entry %q = %q, %v; want %q", k, b, ok, entry)
		}
	}
	if n, err := s.Flush(context.Background()); err != nil || n != int64(len(want)) {
		t.Errorf("the store held %d entries (err %v), want %d", n, err, len(want))
	}
}

// testCacheCanonicalKey checks that every spelling of an expression is
// stored once, under its canonical form.
func testCacheCanonicalKey(t *testing.T, s abaco.Store) {
	c := storeCache(t, s, expr.Limits{}, time.Minute)
	eval(t, c, "2+2", abaco.CacheMiss, "")
	for _, in := range []string{"(2) + 2", " 2 +(2)", "2 + 2"} {
		eval(t, c, in, abaco.CacheHit, "local")
	}
	waitWrites(t, c)
	wantEntries(t, s, map[string]string{"2 + 2": "4"})
}

// testCacheErrors checks that deterministic errors are stored like
// results, a syntax error under "raw:" + the input (it has no canonical
// form), and that limit breaches are not stored at all.
func testCacheErrors(t *testing.T, s abaco.Store) {
	c := storeCache(t, s, expr.Limits{MaxIntBits: 64}, time.Minute)
	tests := []struct {
		in   string
		code abaco.Code
	}{
		{"1/0", abaco.CodeDivisionByZero},
		{"2 +", abaco.CodeSyntax},
		{"math.sqrt(-1)", abaco.CodeDomain},
		{"2**100", abaco.CodeLimit},
	}
	for _, tt := range tests {
		status := abaco.CacheMiss
		if tt.code == abaco.CodeLimit {
			status = abaco.CacheBypass
		}
		_, err := eval(t, c, tt.in, status, "")
		var e *abaco.Error
		if !errors.As(err, &e) || e.Code != tt.code {
			t.Fatalf("Evaluate(%q) = %v, want code %s", tt.in, err, tt.code)
		}
	}
	waitWrites(t, c)
	wantEntries(t, s, map[string]string{
		"1 / 0":    "error:division_by_zero:division by zero",
		"raw:2 +":  "error:syntax@4:unexpected end of expression",
		"sqrt(-1)": "error:domain:math domain error",
	})
}

// testCacheShared checks that a second process finds what the first
// computed, result and error alike, until the entry's TTL ends it.
func testCacheShared(t *testing.T, s abaco.Store) {
	// Long enough for b to read the entry on a loaded machine, short
	// enough to wait out (waitExpired allows 10s).
	const ttl = 2 * time.Second
	a := storeCache(t, s, expr.Limits{}, ttl)
	b := storeCache(t, s, expr.Limits{}, ttl)
	eval(t, a, costly, abaco.CacheMiss, "")
	waitWrites(t, a)
	r, err := eval(t, b, "(2**20000) * 3**20000 % 1000", abaco.CacheHit, "shared")
	if err != nil || r.Value != costlyValue || r.Kind != abaco.KindInt || r.Expression != costlyCanonical {
		t.Fatalf("from the shared tier: %+v, %v", r, err)
	}
	storetest.WaitExpired(t, s, costlyCanonical, "entry with a 2s TTL")
	// b's local copy lived no longer than the shared entry it was read from.
	if r, _ := eval(t, b, costly, abaco.CacheMiss, ""); r.Value != costlyValue {
		t.Fatalf("recomputed: %+v", r)
	}
}

// testCacheFlush checks that the cache's Flush empties both tiers.
func testCacheFlush(t *testing.T, s abaco.Store) {
	ctx := context.Background()
	c := storeCache(t, s, expr.Limits{}, time.Minute)
	for _, in := range []string{"1+1", "1+2", "1/0", costly} {
		c.Evaluate(ctx, in)
	}
	waitWrites(t, c)
	if n, err := c.Flush(ctx); err != nil || n != 4 {
		t.Fatalf("Flush = %d, %v; want 4 shared entries", n, err)
	}
	if _, ok := storetest.Get(t, s, "1 + 1"); ok {
		t.Error("1 + 1 still in the store after Flush")
	}
	eval(t, c, "1+1", abaco.CacheMiss, "")
	eval(t, c, costly, abaco.CacheMiss, "")
}

// testCacheSingleFlight checks that concurrent misses on one key in one
// process compute once, and that another process then reads the entry
// from the store instead of computing it.
func testCacheSingleFlight(t *testing.T, s abaco.Store) {
	const callers = 50
	a := storeCache(t, s, expr.Limits{}, time.Minute)
	var computed atomic.Int32
	release := make(chan struct{})
	compute := func(context.Context) (cache.Entry, error) {
		computed.Add(1)
		<-release
		return cache.Entry{Value: "20", Kind: abaco.KindInt}, nil
	}
	var started, done sync.WaitGroup
	started.Add(callers)
	errs := make(chan error, callers)
	for range callers {
		done.Go(func() {
			started.Done()
			e, _, err := a.GetOrCompute(context.Background(), "test", "slow", compute)
			if err == nil && e.Value != "20" {
				err = errors.New("a caller got " + e.Value)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	started.Wait()
	// Without single flight, every caller would now be blocked in compute.
	time.Sleep(100 * time.Millisecond)
	close(release)
	done.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := computed.Load(); n != 1 {
		t.Fatalf("compute ran %d times for %d concurrent callers, want 1", n, callers)
	}
	waitWrites(t, a)
	b := storeCache(t, s, expr.Limits{}, time.Minute)
	e, src, err := b.GetOrCompute(context.Background(), "test", "slow", compute)
	if err != nil || e.Value != "20" || src.Cache != abaco.CacheHit || src.Tier != "shared" {
		t.Fatalf("second process: %+v, %+v, %v; want 20 from the shared tier", e, src, err)
	}
	if n := computed.Load(); n != 1 {
		t.Fatalf("the second process computed again")
	}
}
