package inmem

import (
	"context"
	"fmt"
	"time"

	"abaco"
	"abaco/internal/ttlcache"
)

// StoreOptions bounds a Store. The zero value selects every default.
type StoreOptions struct {
	// MaxEntries bounds the number of entries. Zero means 100,000.
	MaxEntries int
	// MaxBytes bounds the size of keys plus entries (plus a small fixed
	// overhead each). Zero means 64 MiB.
	MaxBytes int64
	// Now is the clock deciding expiry. Nil means time.Now.
	Now func() time.Time
}

// Store is an in-process abaco.Store: cache entries with a TTL each, the
// least valuable evicted first when a bound is reached. It is safe for
// concurrent use.
type Store struct {
	c *ttlcache.Cache[[]byte]
}

var _ abaco.Store = (*Store)(nil)

// NewStore returns an empty Store bounded by o.
func NewStore(o StoreOptions) *Store {
	return &Store{c: ttlcache.New(ttlcache.Options[[]byte]{
		MaxEntries: o.MaxEntries,
		MaxBytes:   o.MaxBytes,
		Size:       func(key string, v []byte) int { return 64 + len(key) + len(v) },
		Now:        o.Now,
	})}
}

// Get returns the entry of a canonical expression. The caller must not
// modify it.
func (s *Store) Get(_ context.Context, canonical string) ([]byte, bool, error) {
	b, ok := s.c.Get(canonical)
	return b, ok, nil
}

// GetTTL returns the entry of a canonical expression and how long it has
// left.
func (s *Store) GetTTL(_ context.Context, canonical string) ([]byte, time.Duration, bool, error) {
	b, ttl, ok := s.c.GetTTL(canonical)
	return b, ttl, ok, nil
}

// Set stores a copy of entry for ttl, which must be positive.
func (s *Store) Set(_ context.Context, canonical string, entry []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("inmem: cache set: ttl %v is not positive", ttl)
	}
	s.c.Set(canonical, append([]byte(nil), entry...), ttl)
	return nil
}

// SetMany stores a copy of each entry for ttl, which must be positive.
func (s *Store) SetMany(ctx context.Context, entries []abaco.StoreEntry, ttl time.Duration) error {
	for _, e := range entries {
		if err := s.Set(ctx, e.Canonical, e.Entry, ttl); err != nil {
			return err
		}
	}
	return nil
}

// Flush removes every entry and reports how many were live.
func (s *Store) Flush(context.Context) (int64, error) { return s.c.Clear(), nil }

// Ping always succeeds: the store is in this process.
func (s *Store) Ping(context.Context) error { return nil }
