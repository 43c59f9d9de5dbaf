package cache

import (
	"context"
	"errors"
	"time"

	"abaco"
)

// errBreakerOpen is returned for a shared-tier operation skipped because
// the circuit breaker is open.
var errBreakerOpen = errors.New("cache: shared tier unavailable: circuit breaker open")

// sharedGet reads key from the shared tier. A corrupt or foreign entry is a
// miss. ttl is how long the local copy may live.
func (c *Cache) sharedGet(ctx context.Context, key string) (e Entry, ttl time.Duration, found bool, err error) {
	if !c.breaker.allow() {
		return Entry{}, 0, false, errBreakerOpen
	}
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	start := c.now()
	b, left, found, err := c.shared.GetTTL(tctx, key)
	ttl = c.ttl
	if left >= 0 {
		// The store measured left at some moment of the call; counting it
		// from the call's start makes the local copy expire no later than
		// the shared entry.
		ttl = min(left-c.now().Sub(start), c.ttl)
	}
	if err != nil {
		c.sharedFailed(ctx, "get", err)
		return Entry{}, 0, false, err
	}
	c.sharedOK()
	if found {
		if e, err = decode(b); err == nil {
			c.m.sharedHit.Inc()
			return e, ttl, true, nil
		}
		c.log.Warn("cache: ignoring unreadable shared entry", "key", key, "err", err)
	}
	c.m.sharedMiss.Inc()
	return Entry{}, 0, false, nil
}

// sharedFailed accounts for a failed shared-tier operation. When the
// caller's own context ended, the failure says nothing about the tier. An
// outage (the breaker open) is logged once when it starts and then once a
// minute (c.down), not once per failure or per probe; a failure below the
// breaker's threshold is logged at debug only.
func (c *Cache) sharedFailed(ctx context.Context, op string, err error) {
	if ctx.Err() != nil {
		return
	}
	c.m.sharedErrors.WithLabelValues(op).Inc()
	out := c.breaker.failure(op + ": " + err.Error())
	c.m.sharedIs(false)
	if out {
		c.down.Fail(err, "op", op, "breaker", "open")
		return
	}
	c.log.Debug("cache: shared tier failed", "op", op, "err", err)
}

// sharedOK accounts for a shared-tier operation that worked (or that the
// store answered, such as a refused write). The outage's end is logged by
// breakerChanged, which every way of closing the breaker goes through.
func (c *Cache) sharedOK() {
	if !c.breaker.success() {
		c.m.sharedIs(true)
	}
}

// Degraded reports since when the shared tier has been failing (since its
// first failure after it last answered) and the last failure's text. A
// zero since means it answers, or there is none. It does no I/O and does
// not touch the circuit breaker, so a readiness probe may call it often.
func (c *Cache) Degraded() (since time.Time, reason string) {
	if c.shared == nil {
		return time.Time{}, ""
	}
	return c.breaker.down()
}

// probe is the breaker's test of the shared tier once its cooldown has
// ended. It runs in a goroutine of its own, so no request waits for it.
func (c *Cache) probe() {
	ctx := context.Background()
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.shared.Ping(tctx); err != nil {
		c.sharedFailed(ctx, "ping", err)
		return
	}
	c.sharedOK()
}

// breakerChanged exports a change of the breaker's state and logs it at
// debug: the outage it belongs to is logged by c.down, once when it starts
// (sharedFailed) and once when it ends (here), since an open breaker
// probes every second and would otherwise log two lines a second.
func (c *Cache) breakerChanged(from, to breakerState) {
	c.m.breakerIs(to)
	c.m.breakerChanges.WithLabelValues(to.label()).Inc()
	c.log.Debug("cache: circuit breaker", "from", from.String(), "to", to.String())
	if to == closed {
		c.m.sharedIs(true)
		c.down.OK()
	}
}

// Ready reports whether the cache is fully working: nil without a shared
// tier or when it answers a ping; an *abaco.Error with code unavailable
// when the breaker is open or the ping fails. Evaluations work either way.
func (c *Cache) Ready(ctx context.Context) error {
	if c.shared == nil {
		return nil
	}
	if !c.breaker.allow() {
		return abaco.Errorf(abaco.CodeUnavailable, "shared cache unavailable (circuit breaker open)")
	}
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.shared.Ping(tctx); err != nil {
		c.sharedFailed(ctx, "ping", err)
		return abaco.Errorf(abaco.CodeUnavailable, "shared cache unavailable: %v", err)
	}
	c.sharedOK()
	return nil
}

// Flush removes every entry from both tiers and reports how many entries
// the shared tier held (the local count when there is none); with
// Options.Flushes it then tells the other caches, which drop their
// in-process tiers. It is bounded by ctx and FlushTimeout, not
// SharedTimeout, since a large flush takes a while; it fails with code
// unavailable when the shared tier cannot be flushed or the other caches
// cannot be told.
func (c *Cache) Flush(ctx context.Context) (int64, error) {
	n := c.dropLocal()
	if c.shared == nil {
		return n, nil
	}
	fctx, cancel := context.WithTimeout(ctx, c.flushTimeout)
	defer cancel()
	// Entries computed before the flush, still on their way to the shared
	// tier, are flushed too.
	if err := c.Sync(fctx); err != nil {
		return 0, abaco.Errorf(abaco.CodeUnavailable, "shared cache unavailable: %v", err)
	}
	if !c.breaker.allow() {
		return 0, abaco.Errorf(abaco.CodeUnavailable, "shared cache unavailable (circuit breaker open)")
	}
	n, err := c.shared.Flush(fctx)
	if err != nil {
		c.sharedFailed(ctx, "flush", err)
		c.log.Warn("cache: flush of the shared tier failed", "err", err)
		return n, abaco.Errorf(abaco.CodeUnavailable, "shared cache unavailable: %v", err)
	}
	c.sharedOK()
	if c.fw == nil {
		return n, nil
	}
	if err := c.announceFlush(fctx); err != nil {
		c.log.Warn("cache: flushed, but telling the other processes failed", "err", err)
		return n, abaco.Errorf(abaco.CodeUnavailable, "shared cache flushed, but other processes could not be told: %v", err)
	}
	return n, nil
}
