package cache

import (
	"context"
	"sync"
	"time"

	"abaco/internal/outage"
)

// A flush must reach every process sharing the shared tier, not only the
// one that flushed: the others would go on answering from their
// in-process tiers for up to a TTL (an hour, with --cache-ttl 1h). So
// the caches agree on a generation of the shared tier, which each flush
// advances, and the flushing cache announces the new one to the others
// (in Redis: a key and a pub/sub channel, see rdb.Flushes). A cache drops
// its in-process tier whenever it sees a generation other than the last
// one it saw: announced, which takes about a millisecond, or read. It
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
// failed; the pause doubles from minListenBackoff.
const (
	minListenBackoff = 50 * time.Millisecond
	listenBackoff    = time.Second
)

// flushWatch is the state of a Cache that has Options.Flushes.
type flushWatch struct {
	f     Flushes
	check chan struct{} // a read of the generation is due (cap 1)
	stop  context.CancelFunc
	done  sync.WaitGroup
	down  *outage.Log // the subscription's failures, logged once
	mu    sync.Mutex
	seen  string // the last generation seen; empty before the first
}

// startFlushWatch starts the goroutines that listen for announcements
// and read the generation. Close stops them.
func (c *Cache) startFlushWatch(f Flushes) {
	ctx, cancel := context.WithCancel(context.Background())
	fw := &flushWatch{f: f, check: make(chan struct{}, 1), stop: cancel,
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
	pause := minListenBackoff
	subscribed := func() {
		fw.down.OK()
		c.checkSoon()
	}
	announced := func(g string) { c.observe(g, viaMessage) }
	for {
		err := fw.f.Listen(ctx, subscribed, announced)
		if ctx.Err() != nil {
			return
		}
		fw.down.Fail(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, listenBackoff)
	}
}

// checkSoon asks checkLoop to read the generation now.
func (c *Cache) checkSoon() {
	select {
	case c.fw.check <- struct{}{}:
	default:
	}
}

// checkLoop reads the generation at once, then each flushCheck and
// whenever listen has subscribed, until ctx ends.
func (c *Cache) checkLoop(ctx context.Context) {
	t := time.NewTicker(flushCheck)
	defer t.Stop()
	for {
		c.checkGeneration(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.fw.check:
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

// observe drops the in-process tier when g is not the last generation
// seen (the first one seen is only remembered), and remembers g. A
// generation is never empty.
func (c *Cache) observe(g, via string) {
	fw := c.fw
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.seen == g {
		return
	}
	first := fw.seen == ""
	fw.seen = g
	if first {
		return
	}
	c.inputs.Clear()
	n := c.local.Clear()
	c.m.localDrops.WithLabelValues(via).Inc()
	c.log.Debug("cache: in-process tier dropped: the shared tier was flushed", "via", via, "entries", n)
}

// rememberGeneration records g, the generation this cache's own Flush started,
// without dropping anything: Flush has emptied the tier already, and its
// own announcement is then not taken for another's.
func (c *Cache) rememberGeneration(g string) {
	fw := c.fw
	fw.mu.Lock()
	fw.seen = g
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
