package cache

import (
	"errors"
	"sync"
	"time"
)

// A shared tier may answer reads but refuse writes: Redis at its maxmemory
// under noeviction (OOM), a read-only replica (READONLY), a failing RDB
// save (MISCONF). That is not an outage: reads keep going to the tier, and
// the breaker, which guards against a tier that does not answer, is not
// told (its probe's PING would succeed and close it at once, so the two
// together made the breaker flap). Instead the writer pauses: entries are
// dropped, and counted, while one write is tried at most every
// refusedRetry. The state ends only after writes have worked for
// refusedHold, so a Redis hovering at its memory limit (entries expiring,
// new ones refused) is one long refusal, logged once when it starts, at
// warn with the store's own text, and once when it ends, at info.
const (
	// refusedRetry is how often a write is tried while writes are refused.
	refusedRetry = 2 * time.Second
	// refusedHold is how long writes must work before the refusal ends.
	refusedHold = 3 * time.Second
)

// writeRefusal is implemented by a store's error for a write that the
// store answered but refused (rdb.RefusedError): WriteRefused returns the
// store's own text. Matching a method rather than a type keeps the cache
// free of any store package.
type writeRefusal interface{ WriteRefused() string }

// refusedText returns the store's text when err is a refused write.
func refusedText(err error) (string, bool) {
	var r writeRefusal
	if errors.As(err, &r) {
		return r.WriteRefused(), true
	}
	return "", false
}

// refusal is the state of a shared tier that refuses writes. The zero
// value is a tier that takes them.
type refusal struct {
	mu      sync.Mutex
	since   time.Time // when the refusal began; zero: writes are taken
	reason  string    // the store's text of the last refusal
	tried   time.Time // when a write was last tried during the refusal
	okSince time.Time // start of the run of working writes; zero: none yet
}

// writesPaused reports whether the writer should drop its batch rather
// than write it: during a refusal, unless writes work again (then every
// batch is written, to confirm it) or a try is due.
func (c *Cache) writesPaused() bool {
	r := &c.refused
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.since.IsZero() || !r.okSince.IsZero() {
		return false
	}
	if now := c.now(); now.Sub(r.tried) >= refusedRetry {
		r.tried = now
		return false
	}
	return true
}

// writeRefused records a refused write with the store's text; the first
// one starts the refusal.
func (c *Cache) writeRefused(reason string) {
	r := &c.refused
	r.mu.Lock()
	now := c.now()
	first := r.since.IsZero()
	if first {
		r.since = now
	}
	r.reason, r.tried, r.okSince = reason, now, time.Time{}
	r.mu.Unlock()
	if first {
		c.m.writableIs(false)
		c.log.Warn("cache: redis refuses writes; write-back paused, reads go on", "err", reason)
	}
}

// writeWorked records a write that worked; during a refusal, one that ends
// a run of refusedHold of working writes ends it.
func (c *Cache) writeWorked() {
	r := &c.refused
	r.mu.Lock()
	if r.since.IsZero() {
		r.mu.Unlock()
		return
	}
	now := c.now()
	if r.okSince.IsZero() {
		r.okSince = now
	}
	if now.Sub(r.okSince) < refusedHold {
		r.mu.Unlock()
		return
	}
	lasted := now.Sub(r.since)
	r.since, r.reason, r.tried, r.okSince = time.Time{}, "", time.Time{}, time.Time{}
	r.mu.Unlock()
	c.m.writableIs(true)
	c.log.Info("cache: redis takes writes again; write-back resumed", "after", lasted.Round(time.Millisecond).String())
}

// WritesRefused reports since when the shared tier has answered reads but
// refused writes (Redis: OOM, READONLY, MISCONF), and the store's own text
// of the last refusal. A zero since means it takes writes, or there is no
// shared tier. It does no I/O, so a readiness probe may call it often.
func (c *Cache) WritesRefused() (since time.Time, reason string) {
	r := &c.refused
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.since, r.reason
}
