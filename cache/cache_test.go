package cache_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/inmem"
)

// fakeClock is a clock tests move by hand; caches read it from their
// maintenance goroutines too, hence the atomic.
type fakeClock struct{ ns atomic.Int64 }

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

func newEngine() *expr.Engine { return expr.New(expr.Limits{}) }

// newCache returns a cache over the default engine, closed when t ends.
func newCache(t testing.TB, o cache.Options) *cache.Cache {
	c := cache.New(newEngine(), o)
	t.Cleanup(c.Close)
	return c
}

// waitWrites waits for c's entries to reach its shared tier.
func waitWrites(t testing.TB, c *cache.Cache) {
	t.Helper()
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates and checks the cache status and tier.
func eval(t *testing.T, c *cache.Cache, in string, status abaco.CacheStatus, tier string) (abaco.Result, error) {
	t.Helper()
	r, err := c.Evaluate(context.Background(), in)
	if r.Cache != status || r.Tier != tier {
		t.Fatalf("Evaluate(%q): cache %q tier %q, want %q %q (err %v)", in, r.Cache, r.Tier, status, tier, err)
	}
	return r, err
}

func TestCanonicalFormsShareAnEntry(t *testing.T) {
	t.Parallel()
	c := cache.New(newEngine(), cache.Options{})
	r1, err := eval(t, c, "2+2", abaco.CacheMiss, "")
	if err != nil || r1.Value != "4" || r1.Kind != abaco.KindInt || r1.Expression != "2 + 2" {
		t.Fatalf("first: %+v, %v", r1, err)
	}
	for _, in := range []string{"2+2", "(2) + 2", " 2 +(2)"} {
		r, err := eval(t, c, in, abaco.CacheHit, "local")
		if err != nil || r.Value != "4" || r.Kind != abaco.KindInt || r.Expression != "2 + 2" {
			t.Fatalf("%q: %+v, %v", in, r, err)
		}
	}
}

func TestDeterministicErrorsAreCached(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		code   abaco.Code
		stored string // the shared entry, "" to skip
	}{
		{"syntax", "2 +", abaco.CodeSyntax, "error:syntax@4:unexpected end of expression"},
		{"division by zero", "1/0", abaco.CodeDivisionByZero, "error:division_by_zero:division by zero"},
		{"overflow", "2.0**10000", abaco.CodeOverflow, ""},
		{"domain", "math.sqrt(-1)", abaco.CodeDomain, "error:domain:math domain error"},
		{"type", "abs(1, 2)", abaco.CodeType, ""},
		{"name", "foo", abaco.CodeName, "error:name:name 'foo' is not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shared := inmem.NewStore(inmem.StoreOptions{})
			c := newCache(t, cache.Options{Shared: shared})
			_, err1 := eval(t, c, tt.in, abaco.CacheMiss, "")
			r, err2 := eval(t, c, tt.in, abaco.CacheHit, "local")
			var e1, e2 *abaco.Error
			if !errors.As(err1, &e1) || !errors.As(err2, &e2) || e1.Code != tt.code || *e1 != *e2 {
				t.Fatalf("errors %v then %v; want code %s twice", err1, err2, tt.code)
			}
			if r.Value != "" {
				t.Errorf("failed evaluation has value %q", r.Value)
			}
			waitWrites(t, c)
			if tt.stored == "" {
				return
			}
			key := r.Expression
			if tt.code == abaco.CodeSyntax {
				key = "raw:" + tt.in
			}
			if b, _, ok, _ := shared.GetTTL(context.Background(), key); !ok || string(b) != tt.stored {
				t.Errorf("shared entry %q = %q, %v; want %q", key, b, ok, tt.stored)
			}
		})
	}
}

func TestCachedErrorCannotBeAltered(t *testing.T) {
	t.Parallel()
	c := cache.New(newEngine(), cache.Options{})
	_, err := c.Evaluate(context.Background(), "1/0")
	err.(*abaco.Error).Message = "changed by a caller"
	_, err = c.Evaluate(context.Background(), "1/0")
	if abaco.ErrorMessage(err) != "division by zero" {
		t.Fatalf("cached error altered: %v", err)
	}
}

func TestLimitBreachesAreNotCached(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in string }{
		{"at parse time", strings.Repeat("1+", 20) + "1"},
		{"at evaluation time", "2**100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shared := inmem.NewStore(inmem.StoreOptions{})
			c := cache.New(expr.New(expr.Limits{MaxLength: 40, MaxIntBits: 64}), cache.Options{Shared: shared})
			defer c.Close()
			for range 2 {
				_, err := eval(t, c, tt.in, abaco.CacheBypass, "")
				if abaco.ErrorCode(err) != abaco.CodeLimit {
					t.Fatalf("err = %v, want code limit", err)
				}
			}
			waitWrites(t, c)
			if n, _ := shared.Flush(context.Background()); n != 0 {
				t.Fatalf("a limit breach left %d shared entries", n)
			}
		})
	}
}

func TestNonFiniteResultsAreCached(t *testing.T) {
	t.Parallel()
	c := cache.New(newEngine(), cache.Options{})
	for _, tt := range []struct{ in, want string }{{"1e308*10", "inf"}, {"math.inf - math.inf", "nan"}} {
		eval(t, c, tt.in, abaco.CacheMiss, "")
		r, err := eval(t, c, tt.in, abaco.CacheHit, "local")
		if err != nil || r.Value != tt.want || r.Kind != abaco.KindFloat {
			t.Fatalf("%s: %+v, %v", tt.in, r, err)
		}
	}
}

func TestLocalTTL(t *testing.T) {
	t.Parallel()
	clk := newClock()
	c := cache.New(newEngine(), cache.Options{TTL: 10 * time.Second, Now: clk.Now})
	eval(t, c, "6*7", abaco.CacheMiss, "")
	clk.Add(9 * time.Second)
	eval(t, c, "6*7", abaco.CacheHit, "local")
	clk.Add(time.Second)
	eval(t, c, "6*7", abaco.CacheMiss, "")
}

// costly is an expression over the quick work budget, which a miss looks
// up in the shared tier before evaluating; canonical is its key.
const (
	costly          = "2**20000 * 3**20000 % 1000"
	costlyCanonical = "2 ** 20000 * 3 ** 20000 % 1000"
)

// TestLocalCopyNeverOutlivesShared checks the staleness bound: an entry read
// from the shared tier is kept locally only for the time it has left there.
func TestLocalCopyNeverOutlivesShared(t *testing.T) {
	t.Parallel()
	clk := newClock()
	shared := inmem.NewStore(inmem.StoreOptions{Now: clk.Now})
	if err := shared.SetMany(context.Background(), []abaco.StoreEntry{{Key: costlyCanonical, Entry: []byte("42")}}, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	c := newCache(t, cache.Options{TTL: 10 * time.Second, Shared: shared, Now: clk.Now})
	if r, _ := eval(t, c, costly, abaco.CacheHit, "shared"); r.Value != "42" {
		t.Fatalf("shared hit = %+v, want the shared entry 42", r)
	}
	clk.Add(time.Second)
	eval(t, c, costly, abaco.CacheHit, "local")
	clk.Add(time.Second) // the shared entry has expired: so has the local copy
	if r, _ := eval(t, c, costly, abaco.CacheMiss, ""); r.Value != "376" {
		t.Fatalf("recomputed = %+v, want 376", r)
	}
}

// TestFlush checks Flush without a shared tier; over one, TestOverStores
// checks it for every store.
func TestFlush(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.New(newEngine(), cache.Options{})
	c.Evaluate(ctx, "1+1")
	if n, err := c.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("embedded-only Flush = %d, %v; want 1", n, err)
	}
	eval(t, c, "1+1", abaco.CacheMiss, "")
}

func TestComputeErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	c := cache.New(newEngine(), cache.Options{})
	boom := errors.New("boom")
	var calls int
	compute := func(context.Context) (cache.Entry, error) { calls++; return cache.Entry{}, boom }
	for range 2 {
		_, src, err := c.GetOrCompute(context.Background(), "test", "boom", compute)
		if !errors.Is(err, boom) || src.Cache != abaco.CacheBypass {
			t.Fatalf("GetOrCompute = %v, %v", src, err)
		}
	}
	if calls != 2 {
		t.Fatalf("compute ran %d times, want 2 (errors are not cached)", calls)
	}
}

func TestReadyWithoutSharedTier(t *testing.T) {
	t.Parallel()
	if err := cache.New(newEngine(), cache.Options{}).Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	c := newCache(t, cache.Options{Registerer: reg, Shared: inmem.NewStore(inmem.StoreOptions{})})
	ctx := context.Background()
	for _, in := range []string{"1+1", "1+1", "1/0", "1/0", "2 +", costly} {
		c.Evaluate(ctx, in)
	}
	waitWrites(t, c)
	want := map[string]float64{
		`abaco_cache_lookups_total{result="hit",tier="local"}`:   2,
		`abaco_cache_lookups_total{result="hit",tier="shared"}`:  0,
		`abaco_cache_lookups_total{result="miss",tier="local"}`:  4,
		`abaco_cache_lookups_total{result="miss",tier="shared"}`: 1, // only costly is looked up
		`abaco_cache_shared_writes_total`:                        4,
		`abaco_cache_shared_writes_dropped_total`:                0,
		`abaco_eval_errors_total{code="division_by_zero"}`:       2,
		`abaco_eval_errors_total{code="syntax"}`:                 1,
		`abaco_cache_shared_errors_total{op="get"}`:              0,
		`abaco_cache_breaker_state{state="closed"}`:              1,
		`abaco_cache_breaker_state{state="open"}`:                0,
		`abaco_cache_breaker_state{state="half_open"}`:           0,
		`abaco_cache_bypass_total`:                               0,
	}
	got := gather(t, reg)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

// gather returns every sample of reg as "name{label="value",...}" -> value.
func gather(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			name := mf.GetName()
			if len(labels) > 0 {
				name += "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case m.GetCounter() != nil:
				out[name] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[name] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// TestGetOrComputeNamespaces checks that GetOrCompute keeps its keys in a
// namespace of the caller's, apart from Evaluate's keys, and refuses a
// namespace that could reach them.
func TestGetOrComputeNamespaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	shared := inmem.NewStore(inmem.StoreOptions{})
	c := newCache(t, cache.Options{Shared: shared})
	compute := func(context.Context) (cache.Entry, error) { return cache.Entry{Value: "5", Kind: abaco.KindInt}, nil }
	for _, ns := range []string{"", "raw", "a:b", "Demo", "2 + 3"} {
		if _, _, err := c.GetOrCompute(ctx, ns, "2 + 3", compute); err == nil {
			t.Errorf("GetOrCompute in namespace %q: no error", ns)
		}
	}
	if _, _, err := c.GetOrCompute(ctx, "demo_1", "2 + 3", compute); err != nil {
		t.Fatal(err)
	}
	waitWrites(t, c)
	if b, _, ok, _ := shared.GetTTL(ctx, "demo_1:2 + 3"); !ok || string(b) != "5" {
		t.Errorf(`shared entry "demo_1:2 + 3" = %q, %v; want 5`, b, ok)
	}
	eval(t, c, "2 + 3", abaco.CacheMiss, "")
}
