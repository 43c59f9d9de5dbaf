// Package cache is cache-aside over the expression engine: the one path by
// which every caller (HTTP handlers, job workers, demos) evaluates.
//
// A lookup goes through two tiers. The first is in-process (bounded by
// entries and bytes, over otter) and holds decoded entries. The second,
// optional, is a shared abaco.Store (Redis), so that processes share
// results. Entries are keyed by the engine's canonical form: "2+2" and
// "(2) + 2" share one entry. The first tier also remembers each input text
// it answered twice (doorkeeper.go), so a repeated input costs one map
// read and no parse; another
// spelling of a cached expression costs a parse and a map read. Results and
// deterministic errors are cached for the TTL; limit breaches and failures
// of the cache itself never are. An input that does not parse has no
// canonical form: its syntax error is cached under "raw:" + the input.
//
// A miss of an expression that evaluates within a small work budget (most
// do) is evaluated at once, without asking the shared tier: that costs
// less than the round trip. Costlier expressions are read from the shared
// tier first. Either way a computed entry is written to the shared tier
// behind the answer, in batches (see writeback.go), so no request waits
// for a write.
//
// Staleness: a local copy expires no later than the shared entry it was
// written to or read from. A result computed here is kept locally for the
// TTL from before it is queued for the shared tier (a write that is
// dropped leaves the same bound); one read from the shared tier is kept
// locally only for the time it has left there (abaco.Store's GetTTL).
// So after a Flush on another process, this process may serve an entry
// from its first tier until that entry's shared TTL would have ended,
// never longer; with Options.Flushes, only until it hears of the flush,
// typically a millisecond later (see flushes.go).
//
// The shared tier never fails a request. Each operation has a short
// timeout; a failure is counted and the evaluation goes on without the
// tier. A circuit breaker stops calling a shared tier that keeps failing,
// so an outage adds no latency: no request waits for a write, and at most
// BreakerThreshold lookups pay the timeout before the breaker opens.
// Ready reports the outage. After each cooldown the breaker pings the tier
// in the background (no request waits on the probe) and closes by itself
// when it answers again. A tier that answers reads but refuses writes (a
// full Redis) is not an outage: the writer pauses (see refusal.go).
package cache

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/singleflight"

	"abaco"
	"abaco/expr"
	"abaco/internal/opt"
	"abaco/internal/outage"
	"abaco/internal/ttlcache"
)

// Tier names reported in abaco.Result.Tier.
const (
	tierLocal  = "local"
	tierShared = "shared"
)

// rawPrefix keys the error of an input that did not parse, which has no
// canonical form. No canonical form starts with it (a canonical form
// parses, and ':' is not in the grammar), and GetOrCompute refuses the
// namespace "raw", so the key spaces are apart.
const rawPrefix = "raw:"

// Options configures a Cache. The zero value of each field selects its
// default, so Options{} is an embedded-only cache with a 10s TTL.
type Options struct {
	// TTL is how long an entry lives. Zero means DefaultTTL.
	TTL time.Duration
	// Shared is the second tier, shared between processes (Redis). Nil
	// means the in-process tier alone.
	Shared abaco.Store
	// Flushes carries flushes between the caches sharing Shared, so that
	// a Flush anywhere empties every cache's in-process tier (see
	// flushes.go). Nil means a Flush empties this cache's alone; it is
	// ignored without Shared.
	Flushes Flushes
	// MaxLocalEntries bounds the number of entries of the in-process tier,
	// and separately the number of input texts it remembers as spellings
	// of those entries (so that a repeated input is not even parsed).
	// Zero means 10,000 (DefaultLocalEntries).
	MaxLocalEntries int
	// MaxLocalBytes bounds the estimated memory of the in-process tier's
	// entries, and separately of its input texts. Zero means 64 MiB
	// (DefaultLocalBytes).
	MaxLocalBytes int64
	// SharedTimeout bounds each operation on the shared tier (but Flush,
	// which has FlushTimeout). Zero means DefaultSharedTimeout.
	SharedTimeout time.Duration
	// FlushTimeout bounds a whole Flush of the shared tier, which walks
	// every key and so takes longer than one operation. Without a bound a
	// flush during an outage would wait for Redis forever, because the
	// client retries read-only commands such as SCAN. Zero means 10s.
	FlushTimeout time.Duration
	// BreakerThreshold is how many shared-tier failures in a row open the
	// circuit breaker. Zero means 5.
	BreakerThreshold int
	// BreakerCooldown is how long the open breaker skips the shared tier
	// before letting one probe through, less up to a quarter at random.
	// Zero means defaultBreakerCooldown.
	BreakerCooldown time.Duration
	// Registerer receives the cache's metrics: lookups by tier and result,
	// bypasses, shared-tier errors, evaluation errors by code, breaker
	// state. Nil means no metrics.
	Registerer prometheus.Registerer
	// Logger receives breaker state changes and shared-tier failures. Nil
	// discards them.
	Logger *slog.Logger
	// Tracing makes a span per Evaluate, saying which tier answered,
	// with a child span per run of the engine (tracing.go). Nil, the
	// default, makes none.
	Tracing trace.TracerProvider
	// Now is the clock for expiry, the breaker's cooldown and the pause
	// of writes a store refuses. Nil means time.Now; tests inject a fake
	// one.
	Now func() time.Time
}

// DefaultLocalEntries is the default bound on the entries of the
// in-process tier. The tier holds the hot set: a larger one costs more per
// new entry, since its tables stop fitting in the CPU's caches, and with
// Redis configured the shared tier is the large one (docs/benchmarks.md).
const DefaultLocalEntries = 10_000

// DefaultTTL is how long results and deterministic errors are cached when
// Options.TTL is zero: the tutorial's 10 seconds.
const DefaultTTL = 10 * time.Second

// DefaultSharedTimeout bounds each shared-tier operation when
// Options.SharedTimeout is zero: well above a healthy Redis round trip and
// well below what a client would notice, so an outage costs a request
// little before it is evaluated without the shared tier.
const DefaultSharedTimeout = 75 * time.Millisecond

// defaultFlushTimeout bounds a Flush when Options.FlushTimeout is zero.
const defaultFlushTimeout = 10 * time.Second

// DefaultLocalBytes is the default bound on the estimated memory of the
// in-process tier's entries (and separately of its input texts): far
// above what DefaultLocalEntries entries of ordinary expressions take, so
// that it only matters for long ones.
const DefaultLocalBytes = ttlcache.DefaultMaxBytes

// quickWork is the work budget (see expr.Limits.MaxWork) within which an
// expression counts as cheap: evaluating it costs less than a Redis round
// trip, so a miss evaluates it without asking the shared tier.
const quickWork = 1000

// Source says where GetOrCompute found an entry.
type Source struct {
	// Cache is hit when a tier answered, miss when the entry was computed,
	// and bypass when it was computed but could not be (fully) cached: the
	// outcome is not cacheable or the shared tier was unavailable.
	Cache abaco.CacheStatus
	// Tier is "local" or "shared" for a hit, empty otherwise.
	Tier string
}

// Cache evaluates expressions through the engine, caching the outcomes. It
// implements abaco.Evaluator and is safe for concurrent use.
type Cache struct {
	engine       *expr.Engine
	quick        *expr.Engine // engine's limits, but MaxWork at most quickWork
	maxLength    int          // engine's MaxLength
	ttl          time.Duration
	local        *ttlcache.Cache[Entry] // entries by key (canonical form)
	inputs       *ttlcache.Cache[alias] // entries by input text, for Evaluate
	seen         *doorkeeper            // inputs that missed once, for remember
	shared       abaco.Store
	w            *writer // the write-behind queue, with a shared tier
	timeout      time.Duration
	flushTimeout time.Duration
	now          func() time.Time
	breaker      *breaker
	down         *outage.Log // the shared tier's outages, for the logs
	refused      refusal     // the shared tier refusing writes
	fw           *flushWatch // with Options.Flushes, the flushes of other caches
	flight       singleflight.Group
	m            *metrics
	log          *slog.Logger
	tracer       trace.Tracer // nil: no spans
}

var _ abaco.Evaluator = (*Cache)(nil)

// New returns a Cache over engine configured by o. With a shared tier it
// starts a writer goroutine: call Close when done with the Cache.
func New(engine *expr.Engine, o Options) *Cache {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	c := &Cache{
		engine:       engine,
		ttl:          opt.Or(o.TTL, DefaultTTL),
		shared:       o.Shared,
		timeout:      opt.Or(o.SharedTimeout, DefaultSharedTimeout),
		flushTimeout: opt.Or(o.FlushTimeout, defaultFlushTimeout),
		now:          now,
		m:            newMetrics(o.Registerer),
		log:          opt.Logger(o.Logger),
	}
	o.MaxLocalEntries = opt.Or(o.MaxLocalEntries, DefaultLocalEntries)
	c.local = ttlcache.New(ttlcache.Options[Entry]{
		MaxEntries: o.MaxLocalEntries,
		MaxBytes:   o.MaxLocalBytes,
		Size:       entrySize,
		Now:        o.Now,
	})
	c.inputs = ttlcache.New(ttlcache.Options[alias]{
		MaxEntries: o.MaxLocalEntries,
		MaxBytes:   o.MaxLocalBytes,
		Size:       func(in string, a alias) int { return entrySize(in, a.e) + len(a.canonical) },
		Now:        o.Now,
	})
	if o.Tracing != nil {
		c.tracer = o.Tracing.Tracer("abaco/cache")
	}
	c.seen = newDoorkeeper(o.MaxLocalEntries)
	quick := engine.Limits()
	quick.MaxWork = min(quick.MaxWork, quickWork)
	c.quick = expr.New(quick)
	c.maxLength = quick.MaxLength
	c.down = outage.New(c.log, "cache: shared tier", 0)
	c.breaker = &breaker{
		threshold: max(o.BreakerThreshold, 0),
		cooldown:  opt.Or(o.BreakerCooldown, defaultBreakerCooldown),
		jitter:    true,
		now:       now,
		probe:     c.probe,
		onChange:  c.breakerChanged,
	}
	if c.breaker.threshold == 0 {
		c.breaker.threshold = 5
	}
	if c.shared != nil {
		c.startShared()
		if o.Flushes != nil {
			c.startFlushWatch(o.Flushes)
		}
	}
	return c
}

// startShared starts the writer of the shared tier and a first ping, so
// that abaco_dependency_up has a value from the start: 0 until that ping
// (or any other operation) finds the tier answering, a round trip later,
// rather than no series until the first request that reaches the tier.
func (c *Cache) startShared() {
	c.w = newWriter()
	go c.writeLoop()
	c.m.sharedIs(false)
	c.m.writableIs(true)
	go func() {
		defer close(c.w.pinged)
		c.probe()
	}()
}

// defaultBreakerCooldown is how long the open breaker skips the shared
// tier before its probe, when Options.BreakerCooldown is zero (each
// cooldown is shortened by up to a quarter at random). It bounds how long
// the cache keeps doing without a tier that is back: about a second after
// Redis answers again, the cache uses it again.
const defaultBreakerCooldown = time.Second

// entrySize estimates the memory of a local entry: its strings plus the
// map and struct overhead.
func entrySize(key string, e Entry) int {
	n := 96 + len(key) + len(e.Value)
	if e.Err != nil {
		n += 48 + len(e.Err.Message)
	}
	return n
}
