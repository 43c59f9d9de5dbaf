// Package ttlcache is a bounded in-process map with a lifetime per entry,
// over github.com/maypok86/otter/v2. It is shared by the cache package's
// first tier (which keeps decoded entries) and the embedded store in inmem
// (which keeps encoded bytes), so both are bounded and expire the same way.
package ttlcache

import (
	"math"
	"time"

	"github.com/maypok86/otter/v2"
)

// Options bounds a Cache. Both bounds hold at once: an entry weighs its
// size, but never less than MaxBytes/MaxEntries, so the total weight staying
// under MaxBytes keeps the count under MaxEntries as well.
type Options[V any] struct {
	// MaxEntries bounds the number of entries. Zero means 100,000.
	MaxEntries int
	// MaxBytes bounds the summed Size of the entries. Zero means 64 MiB (DefaultMaxBytes).
	MaxBytes int64
	// Size estimates the memory an entry takes, in bytes. Nil counts the
	// key's length only.
	Size func(key string, v V) int
	// Now is the clock that decides expiry. Nil means time.Now.
	Now func() time.Time
}

// Cache is a concurrent map from string keys to values of type V, each with
// its own time to live, that evicts the least valuable entries when a bound
// is reached. It is safe for concurrent use.
type Cache[V any] struct {
	c *otter.Cache[string, item[V]]
}

type item[V any] struct {
	v   V
	ttl time.Duration
}

// DefaultMaxBytes is the bound on the sizes of the entries when
// Options.MaxBytes is zero.
const DefaultMaxBytes = 64 << 20

// New returns an empty Cache bounded by o.
func New[V any](o Options[V]) *Cache[V] {
	maxEntries := int64(o.MaxEntries)
	if maxEntries <= 0 {
		maxEntries = 100_000
	}
	maxBytes := o.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	minWeight := max((maxBytes+maxEntries-1)/maxEntries, 1)
	size := o.Size
	if size == nil {
		size = func(key string, _ V) int { return len(key) }
	}
	opts := &otter.Options[string, item[V]]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(key string, it item[V]) uint32 {
			w := max(int64(size(key, it.v)), minWeight)
			return uint32(min(w, math.MaxUint32))
		},
		// Maintenance (eviction, expiry) runs in the writer's goroutine.
		// otter's default starts a goroutine for each run instead, whose
		// fresh stack then grows, a cost a stream of new entries pays
		// again and again (docs/benchmarks.md). The run is amortized over
		// a buffer of writes, and concurrent writers skip it while one runs.
		Executor: func(fn func()) { fn() },
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, item[V]]) time.Duration {
			return e.Value.ttl
		}),
	}
	if o.Now != nil {
		opts.Clock = clock{o.Now}
	}
	return &Cache[V]{c: otter.Must(opts)}
}

// Get returns the live value under key.
func (c *Cache[V]) Get(key string) (V, bool) {
	it, ok := c.c.GetIfPresent(key)
	return it.v, ok
}

// GetTTL returns the live value under key and how long it has left.
func (c *Cache[V]) GetTTL(key string) (V, time.Duration, bool) {
	e, ok := c.c.GetEntryQuietly(key)
	if !ok {
		var zero V
		return zero, 0, false
	}
	return e.Value.v, time.Duration(e.ExpiresAtNano - e.SnapshotAtNano), true
}

// Set stores v under key for ttl, replacing any previous value. A ttl that
// is not positive stores nothing.
func (c *Cache[V]) Set(key string, v V, ttl time.Duration) {
	if ttl <= 0 {
		c.c.Invalidate(key)
		return
	}
	c.c.Set(key, item[V]{v: v, ttl: ttl})
}

// Clear removes every entry and returns how many live entries it removed.
func (c *Cache[V]) Clear() int64 {
	// Pending evictions run first, so that the count is of entries within
	// the bounds (eviction otherwise runs shortly after a write).
	c.c.CleanUp()
	var n int64
	for k := range c.c.Keys() {
		if _, ok := c.c.Invalidate(k); ok {
			n++
		}
	}
	return n
}

// clock adapts a time.Now-like function to otter's Clock. It delivers no
// ticks: expired entries are invisible to reads anyway and are removed
// during the maintenance that writes trigger.
type clock struct{ now func() time.Time }

func (c clock) NowNano() int64                      { return c.now().UnixNano() }
func (c clock) Tick(time.Duration) <-chan time.Time { return nil }
