package inmem_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"abaco"
	"abaco/inmem"
	"abaco/internal/storetest"
)

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) abaco.Store { return inmem.NewStore(inmem.StoreOptions{}) })
}

// fakeClock is a clock tests move by hand; the store reads it from its
// maintenance goroutines too.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

func TestStoreExpiryUsesClock(t *testing.T) {
	clk := &fakeClock{}
	clk.Add(1_700_000_000 * time.Second)
	s := inmem.NewStore(inmem.StoreOptions{Now: clk.Now})
	ctx := context.Background()
	if err := s.SetMany(ctx, []abaco.StoreEntry{{Key: "2 + 2", Entry: []byte("4")}}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	clk.Add(9 * time.Second)
	_, ttl, ok, _ := s.GetTTL(ctx, "2 + 2")
	if !ok || ttl != time.Second {
		t.Fatalf("after 9s of 10: ok %v, ttl %v; want true, 1s", ok, ttl)
	}
	clk.Add(time.Second)
	if _, _, ok, _ := s.GetTTL(ctx, "2 + 2"); ok {
		t.Fatal("entry served at its expiry time")
	}
}

func TestStoreBounds(t *testing.T) {
	tests := []struct {
		name       string
		opts       inmem.StoreOptions
		entry      int
		maxEntries int
	}{
		{"by entries", inmem.StoreOptions{MaxEntries: 100}, 10, 100},
		{"by bytes", inmem.StoreOptions{MaxBytes: 100 * 1024}, 1024, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := inmem.NewStore(tt.opts)
			ctx := context.Background()
			for i := range 1000 {
				if err := s.SetMany(ctx, []abaco.StoreEntry{{Key: fmt.Sprint(i), Entry: make([]byte, tt.entry)}}, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			n, _ := s.Flush(ctx)
			if n > int64(tt.maxEntries) || n == 0 {
				t.Fatalf("store held %d entries after 1000 sets; want 1..%d", n, tt.maxEntries)
			}
		})
	}
}
