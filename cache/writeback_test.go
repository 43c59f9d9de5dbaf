package cache_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/cache"
	"abaco/inmem"
)

// gatedStore is an embedded store whose SetMany waits until release is
// closed, so that a test can hold the writer in the middle of a write
// while more entries queue up behind it.
type gatedStore struct {
	*inmem.Store
	entered chan struct{} // receives once per SetMany that begins
	release chan struct{}
	calls   atomic.Int32
}

func newGatedStore() *gatedStore {
	return &gatedStore{
		Store:   inmem.NewStore(inmem.StoreOptions{}),
		entered: make(chan struct{}, 100),
		release: make(chan struct{}),
	}
}

func (s *gatedStore) SetMany(ctx context.Context, entries []abaco.StoreEntry, ttl time.Duration) error {
	s.calls.Add(1)
	s.entered <- struct{}{}
	<-s.release
	return s.Store.SetMany(ctx, entries, ttl)
}

// evalRange evaluates "i + 1" for i in [from, to) and checks the status.
func evalRange(t *testing.T, c *cache.Cache, from, to int, want abaco.CacheStatus) {
	t.Helper()
	for i := from; i < to; i++ {
		if r, err := c.Evaluate(context.Background(), fmt.Sprintf("%d + 1", i)); err != nil || r.Cache != want {
			t.Fatalf("Evaluate(%d + 1) = %+v, %v; want status %s", i, r, err, want)
		}
	}
}

// TestWriteBehindBatches holds the writer in one write while 300 entries
// queue up: they are then written in full batches, not one by one, and
// none is lost.
func TestWriteBehindBatches(t *testing.T) {
	t.Parallel()
	store := newGatedStore()
	c := newCache(t, cache.Options{Shared: store, SharedTimeout: time.Minute})
	evalRange(t, c, 0, 1, abaco.CacheMiss)
	<-store.entered
	evalRange(t, c, 1, 301, abaco.CacheMiss)
	close(store.release)
	waitWrites(t, c)
	// The first entry alone, then 256 (the batch limit), then 44.
	if n := store.calls.Load(); n != 3 {
		t.Errorf("301 entries took %d writes, want 3", n)
	}
	for i := range 301 {
		if b, _, ok, _ := store.GetTTL(context.Background(), fmt.Sprintf("%d + 1", i)); !ok || string(b) != fmt.Sprint(i+1) {
			t.Fatalf("entry %d + 1 = %q, %v after the writes", i, b, ok)
		}
	}
}

// TestWriteQueueFullIsBypass checks that a shared tier slower than the
// misses never makes a request wait: once the write queue is full, an
// entry is not written and its answer says bypass.
func TestWriteQueueFullIsBypass(t *testing.T) {
	t.Parallel()
	store := newGatedStore()
	reg := prometheus.NewRegistry()
	c := newCache(t, cache.Options{Shared: store, SharedTimeout: time.Minute, Registerer: reg})
	evalRange(t, c, 0, 1, abaco.CacheMiss)
	<-store.entered
	const queued = 8192 // the queue's bound
	evalRange(t, c, 1, 1+queued, abaco.CacheMiss)
	evalRange(t, c, 1+queued, 2+queued, abaco.CacheBypass)
	close(store.release)
	waitWrites(t, c)
	m := gather(t, reg)
	if m["abaco_cache_shared_writes_total"] != 1+queued || m["abaco_cache_shared_writes_dropped_total"] != 1 {
		t.Errorf("writes %v, dropped %v; want %d and 1", m["abaco_cache_shared_writes_total"],
			m["abaco_cache_shared_writes_dropped_total"], 1+queued)
	}
	// The entry that was not written is still cached locally.
	eval(t, c, fmt.Sprintf("%d + 1", 1+queued), abaco.CacheHit, "local")
}

// TestCloseWritesPending checks that Close writes what is still queued,
// so a stopping server loses no entry, and that evaluating after Close
// works without the shared tier.
func TestCloseWritesPending(t *testing.T) {
	t.Parallel()
	store := inmem.NewStore(inmem.StoreOptions{})
	c := cache.New(newEngine(), cache.Options{Shared: store})
	evalRange(t, c, 0, 50, abaco.CacheMiss)
	c.Close()
	for i := range 50 {
		if _, _, ok, _ := store.GetTTL(context.Background(), fmt.Sprintf("%d + 1", i)); !ok {
			t.Fatalf("entry %d + 1 not written by Close", i)
		}
	}
	evalRange(t, c, 50, 51, abaco.CacheBypass)
	c.Close() // a second Close is harmless
	if err := c.Sync(context.Background()); err != nil {
		t.Fatalf("Sync after Close: %v", err)
	}
}
