package rdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/rueidis"

	"abaco"
)

// Store is the cache's shared tier in Redis: each entry is a string key
// named by cacheKey, holding the cache package's text encoding, with a PX
// expiry. It implements abaco.Store and is safe for concurrent use.
type Store struct {
	c *Client
}

var _ abaco.Store = (*Store)(nil)

// NewStore returns the cache store over c. Closing c is the caller's job.
func NewStore(c *Client) *Store { return &Store{c: c} }

// get returns the entry under key.
func (s *Store) get(ctx context.Context, key string) ([]byte, bool, error) {
	rc := s.c.conn()
	b, err := rc.Do(ctx, rc.B().Get().Key(cacheKey(key)).Build()).AsBytes()
	if rueidis.IsRedisNil(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("rdb: cache get: %w", err)
	}
	return b, true, nil
}

// GetTTL returns the entry under key and how long it has left (below zero
// when it has no expiry). The PTTL is asked only after a hit: most reads
// that reach Redis are misses (repeated expressions are answered by the
// in-process tier), and a miss then costs one command.
func (s *Store) GetTTL(ctx context.Context, key string) ([]byte, time.Duration, bool, error) {
	b, ok, err := s.get(ctx, key)
	if err != nil || !ok {
		return nil, 0, false, err
	}
	left, err := s.pttl(ctx, key)
	if err != nil {
		return nil, 0, false, err
	}
	return b, left, true, nil
}

// pttl returns how long the entry under key has left:
// below zero when it has no expiry, zero when it is gone (expired since it
// was read: the caller keeps no local copy).
func (s *Store) pttl(ctx context.Context, key string) (time.Duration, error) {
	rc := s.c.conn()
	ms, err := rc.Do(ctx, rc.B().Pttl().Key(cacheKey(key)).Build()).AsInt64()
	if err != nil {
		return 0, fmt.Errorf("rdb: cache pttl: %w", err)
	}
	return pttlDuration(ms), nil
}

// pttlDuration converts a PTTL reply: -2 (no such key) to zero, -1 (no
// expiry) to below zero.
func pttlDuration(ms int64) time.Duration {
	switch ms {
	case -2:
		return 0
	case -1:
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// SetMany stores every entry with SET PX, pipelined: one round trip for
// the batch (on a cluster, one per node holding some of its keys); ttl is
// rounded up to a whole millisecond.
func (s *Store) SetMany(ctx context.Context, entries []abaco.StoreEntry, ttl time.Duration) error {
	ms, err := millis(ttl)
	if err != nil {
		return err
	}
	rc := s.c.conn()
	cmds := make(rueidis.Commands, len(entries))
	for i, e := range entries {
		cmds[i] = rc.B().Set().Key(cacheKey(e.Key)).Value(rueidis.BinaryString(e.Entry)).PxMilliseconds(ms).Build()
	}
	for _, r := range rc.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			return setError(err)
		}
	}
	return nil
}

// RefusedError is the error of a write that Redis answered but refused
// while it still serves reads: OOM (maxmemory reached under noeviction),
// READONLY (a replica) or MISCONF (a failing RDB save with
// stop-writes-on-bgsave-error). The cache tells it from an outage by its
// WriteRefused method, so that it pauses its writes instead of opening its
// circuit breaker.
type RefusedError struct {
	// Redis is Redis's own error text, e.g. "OOM command not allowed when
	// used memory > 'maxmemory'.". It holds no URL or password.
	Redis string
}

func (e *RefusedError) Error() string { return "rdb: cache set: redis refuses writes: " + e.Redis }

// WriteRefused returns Redis's own text of the refusal.
func (e *RefusedError) WriteRefused() string { return e.Redis }

// refusalPrefixes are the error prefixes of Redis's refusals to write
// while it serves reads.
var refusalPrefixes = []string{"OOM ", "READONLY ", "MISCONF "}

// setError wraps a failed SET: a refusal as a *RefusedError, anything else
// (a timeout, a dropped connection) as it is.
func setError(err error) error {
	if re, ok := rueidis.IsRedisErr(err); ok {
		msg := re.Error()
		for _, p := range refusalPrefixes {
			if strings.HasPrefix(msg, p) {
				return &RefusedError{Redis: msg}
			}
		}
	}
	return fmt.Errorf("rdb: cache set: %w", err)
}

// millis converts a positive ttl to whole milliseconds, rounding up.
func millis(ttl time.Duration) (int64, error) {
	if ttl <= 0 {
		return 0, fmt.Errorf("rdb: cache set: ttl %v is not positive", ttl)
	}
	return int64((ttl + time.Millisecond - 1) / time.Millisecond), nil
}

// flushBatch is how many keys one SCAN step asks for and one pipeline of
// UNLINKs removes.
const flushBatch = 500

// Flush removes every cache key, and nothing else: it walks the cache
// prefix with SCAN MATCH on every node and UNLINKs what it finds in
// batches (never FLUSHALL or FLUSHDB, which would wipe other data). Keys
// are unlinked one per command, pipelined, so it also works on a cluster.
// It reports how many keys it removed.
func (s *Store) Flush(ctx context.Context) (int64, error) {
	var n int64
	for addr, node := range s.c.conn().Nodes() {
		var cursor uint64
		for {
			e, err := node.Do(ctx, node.B().Scan().Cursor(cursor).Match(cacheMatch).Count(flushBatch).Build()).AsScanEntry()
			if err != nil {
				return n, fmt.Errorf("rdb: cache flush: scan %s: %w", addr, err)
			}
			removed, err := s.unlink(ctx, e.Elements)
			n += removed
			if err != nil {
				return n, err
			}
			if cursor = e.Cursor; cursor == 0 {
				break
			}
		}
	}
	return n, nil
}

func (s *Store) unlink(ctx context.Context, keys []string) (int64, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	rc := s.c.conn()
	cmds := make(rueidis.Commands, len(keys))
	for i, k := range keys {
		cmds[i] = rc.B().Unlink().Key(k).Build()
	}
	var n int64
	for _, r := range rc.DoMulti(ctx, cmds...) {
		k, err := r.AsInt64()
		if err != nil {
			return n, fmt.Errorf("rdb: cache flush: unlink: %w", err)
		}
		n += k
	}
	return n, nil
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.c.Ping(ctx) }
