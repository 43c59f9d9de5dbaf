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

// GetTTL returns the entry under key and how long it has left. The
// caller must not modify the entry.
func (s *Store) GetTTL(_ context.Context, key string) ([]byte, time.Duration, bool, error) {
	b, ttl, ok := s.c.GetTTL(key)
	return b, ttl, ok, nil
}

// SetMany stores a copy of each entry for ttl, which must be positive.
func (s *Store) SetMany(_ context.Context, entries []abaco.StoreEntry, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("inmem: cache set: ttl %v is not positive", ttl)
	}
	for _, e := range entries {
		s.c.Set(e.Key, append([]byte(nil), e.Entry...), ttl)
	}
	return nil
}

// Flush removes every entry and reports how many were live.
func (s *Store) Flush(context.Context) (int64, error) { return s.c.Clear(), nil }

// Ping always succeeds: the store is in this process.
func (s *Store) Ping(context.Context) error { return nil }
