package cache

import (
	"context"
	"slices"
	"sync"
	"time"

	"abaco/internal/backoff"
	"abaco/internal/outage"
)

// A flush must reach every process sharing the shared tier, not only the
// one that flushed: the others would go on answering from their
// in-process tiers for up to a TTL (an hour, with --cache-ttl 1h). So
// the caches agree on a generation of the shared tier, which each flush
// advances, and the flushing cache announces the new one to the others
// (in Redis: a key and a pub/sub channel, see rdb.Flushes). A cache drops
// its in-process tier whenever it sees a generation it has not seen
// before: announced, which takes about a millisecond, or read. It
// reads the generation each time it subscribes (again), since what was
// announced while it was disconnected is lost, and every flushCheck, so
// that a generation that vanished (a Redis restarted empty, a FLUSHALL by
// hand: the next reader starts a new one) or an announcement lost on a
// subscription that looked alive are noticed within a second. A blip of
// the connection, with the generation unchanged, drops nothing.

// Flushes carries flushes between the caches that share a shared tier.
// rdb.Flushes implements it over Redis. Errors are the backend's, wrapped;
// the cache logs them and goes on.
type Flushes interface {
	// Generation returns the shared tier's current generation. A store
	// that lost it starts a new one, unlike any before.
	Generation(ctx context.Context) (string, error)
	// Advance starts the next generation, after a flush, and returns it.
	Advance(ctx context.Context) (string, error)
	// Announce tells every listening cache that the generation is now
	// generation.
	Announce(ctx context.Context, generation string) error
	// Listen calls announced with each generation announced, and
	// subscribed each time it has (again) subscribed to announcements,
	// until ctx ends (it returns ctx's error) or it fails. The callbacks
	// must not block.
	Listen(ctx context.Context, subscribed func(), announced func(generation string)) error
}

// flushCheck is how often a cache reads the generation besides when it
// subscribes: the bound on noticing a vanished generation or a lost
// announcement. One GET a second per process costs Redis nothing.
const flushCheck = time.Second

// flushCheckTimeout bounds one read of the generation. It is longer than
// SharedTimeout: no request waits for it.
const flushCheckTimeout = time.Second

// listenBackoff bounds the pause before subscribing again after Listen
// failed; the pause doubles from minListenBackoff, jittered (backoff.Exp).
const (
	minListenBackoff = 50 * time.Millisecond
	listenBackoff    = time.Second
)

// flushWatch is the state of a Cache that has Options.Flushes.
type flushWatch struct {
	f     Flushes
	check chan struct{} // a read of the generation is due (cap 1)
	heard chan string   // generations announced, for checkLoop to observe
	stop  context.CancelFunc
	done  sync.WaitGroup
	down  *outage.Log // the subscription's failures, logged once
	mu    sync.Mutex
	seen  []string // the last generations seen, newest last, at most keepSeen
}

// keepSeen is how many of the last generations seen a cache remembers. A
// generation seen once is old news when it comes again: an announcement
// of this cache's own flush that arrives after its next flush, or a read
// that was answered before the announcement it comes after.
const keepSeen = 16

// startFlushWatch starts the goroutines that listen for announcements
// and read the generation. Close stops them.
func (c *Cache) startFlushWatch(f Flushes) {
	ctx, cancel := context.WithCancel(context.Background())
	fw := &flushWatch{f: f, check: make(chan struct{}, 1), heard: make(chan string, keepSeen), stop: cancel,
		down: outage.New(c.log, "cache: flush channel", 0)}
	c.fw = fw
	fw.done.Add(2)
	go func() { defer fw.done.Done(); c.listen(ctx) }()
	go func() { defer fw.done.Done(); c.checkLoop(ctx) }()
}

// stopFlushWatch stops the goroutines of startFlushWatch and waits for them.
func (c *Cache) stopFlushWatch() {
	if c.fw == nil {
		return
	}
	c.fw.stop()
	c.fw.done.Wait()
}

// listen keeps a subscription to announcements until ctx ends, subscribing
// again after a pause when it fails.
func (c *Cache) listen(ctx context.Context) {
	fw := c.fw
	fails := 0
	subscribed := func() {
		fw.down.OK()
		c.checkSoon()
	}
	// The callbacks run on the reading goroutine of a connection that
	// other commands share (rueidis multiplexes pub/sub over RESP3), so
	// they only hand over: dropping the tier is checkLoop's work. An
	// announcement that finds the queue full asks for a read instead,
	// which finds the latest generation.
	announced := func(g string) {
		select {
		case fw.heard <- g:
		default:
			c.checkSoon()
		}
	}
	for {
		err := fw.f.Listen(ctx, subscribed, announced)
		if ctx.Err() != nil {
			return
		}
		fw.down.Fail(err)
		fails++
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff.Exp(minListenBackoff, listenBackoff, fails)):
		}
	}
}

// checkSoon asks checkLoop to read the generation now.
func (c *Cache) checkSoon() {
	select {
	case c.fw.check <- struct{}{}:
	default:
	}
}

// checkLoop observes the generations announced, and reads the generation
// at once, then each flushCheck and whenever listen has subscribed, until
// ctx ends.
func (c *Cache) checkLoop(ctx context.Context) {
	t := time.NewTicker(flushCheck)
	defer t.Stop()
	for {
		c.checkGeneration(ctx)
		if !c.awaitCheck(ctx, t.C) {
			return
		}
	}
}

// awaitCheck observes the generations announced until a read of the
// generation is due (tick, or listen subscribed), and reports false when
// ctx ends first.
func (c *Cache) awaitCheck(ctx context.Context, tick <-chan time.Time) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case g := <-c.fw.heard:
			c.observe(g, viaMessage)
		case <-tick:
			return true
		case <-c.fw.check:
			return true
		}
	}
}

// checkGeneration reads the generation and observes it. A failure is
// logged at debug only: it is an outage of the shared tier, which the
// breaker reports, or a failing subscription, which listen reports.
func (c *Cache) checkGeneration(ctx context.Context) {
	tctx, cancel := context.WithTimeout(ctx, flushCheckTimeout)
	defer cancel()
	g, err := c.fw.f.Generation(tctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Debug("cache: reading the flush generation failed", "err", err)
		}
		return
	}
	c.observe(g, viaGeneration)
}

// How a cache learned of a flush elsewhere, for abaco_cache_local_drops_total.
const (
	viaMessage    = "message"
	viaGeneration = "generation"
)

// observe drops the in-process tier when g is a generation not seen
// before, and remembers g. The first generation seen drops the tier too,
// without counting it as a flush elsewhere: what the tier holds by then
// (little: it comes a round trip after New, unless Redis was down) may
// come from before a flush this cache has not heard of.
func (c *Cache) observe(g, via string) {
	fw := c.fw
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if slices.Contains(fw.seen, g) {
		return
	}
	first := len(fw.seen) == 0
	fw.see(g)
	n := c.dropLocal()
	if first {
		return
	}
	c.m.localDrops.WithLabelValues(via).Inc()
	c.log.Debug("cache: in-process tier dropped: the shared tier was flushed", "via", via, "entries", n)
}

// see remembers g, forgetting the oldest generation beyond keepSeen. The
// caller holds fw.mu.
func (fw *flushWatch) see(g string) {
	if len(fw.seen) == keepSeen {
		fw.seen = slices.Delete(fw.seen, 0, 1)
	}
	fw.seen = append(fw.seen, g)
}

// seenGeneration returns the last generation seen, empty before the first.
func (c *Cache) seenGeneration() string {
	fw := c.fw
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if len(fw.seen) == 0 {
		return ""
	}
	return fw.seen[len(fw.seen)-1]
}

// dropLocal empties the in-process tier and reports how many entries it
// held. Entries go before input texts: an evaluation between the two
// steps then finds its input's entry gone and computes it afresh, where
// the other order would let it find the entry, not yet cleared, and
// remember its input for it again, which would outlive the drop.
func (c *Cache) dropLocal() int64 {
	n := c.local.Clear()
	c.inputs.Clear()
	return n
}

// rememberGeneration records g, the generation this cache's own Flush started,
// without dropping anything: Flush has emptied the tier already, and its
// own announcement is then not taken for another's.
func (c *Cache) rememberGeneration(g string) {
	fw := c.fw
	fw.mu.Lock()
	fw.see(g)
	fw.mu.Unlock()
}

// announceFlush advances the generation after a flush of the shared tier
// and announces it. It fails only when the generation could not be
// advanced: the other caches would then keep their tiers. A lost
// announcement is only logged, since each cache reads the generation
// within flushCheck.
func (c *Cache) announceFlush(ctx context.Context) error {
	g, err := c.fw.f.Advance(ctx)
	if err != nil {
		return err
	}
	c.rememberGeneration(g)
	if err := c.fw.f.Announce(ctx, g); err != nil {
		c.log.Warn("cache: announcing the flush failed; other processes notice it within "+flushCheck.String(), "err", err)
	}
	return nil
}
