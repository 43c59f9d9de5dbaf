package cache

import (
	"context"
	"sync/atomic"
	"time"

	"abaco"
)

// Write-behind: an entry computed here is written to the shared tier after
// the answer, not before it. The request puts the entry on a bounded queue
// and returns; one goroutine per Cache takes whatever has queued up and
// writes it with one SetMany (in Redis one pipeline of SET PX, one round
// trip). Under load a round trip then carries many entries instead of one,
// and no request waits for Redis, so a miss with Redis costs about what a
// miss without it does (docs/benchmarks.md).
//
// What it costs: another process can see a new entry a moment later (the
// batching delay plus a round trip, about a millisecond), and a write that
// fails is not reported to the request that computed the entry (it is
// counted, and fed to the circuit breaker). Nothing depends on the write
// anyway: the value is deterministic, and the local copy is set for the TTL
// from before the write, so it still expires before the shared entry does.
const (
	// writeQueue bounds the entries waiting to be written. When it is full
	// (the shared tier is slower than the misses), an entry is not written
	// and its request reports a bypass, as during an outage.
	writeQueue = 8192
	// writeBatch bounds the entries of one SetMany.
	writeBatch = 256
	// writeDelay is how long the writer waits, after the first entry of a
	// batch, for more to write with it. It trades a millisecond of
	// visibility to other processes for batches that make a write cheap.
	writeDelay = time.Millisecond
)

// pending is one item of the write queue: an entry to write, or a Sync
// waiting for the entries queued before it.
type pending struct {
	key    string
	e      Entry
	synced chan struct{}
}

// writer is the write-behind queue of a Cache with a shared tier.
type writer struct {
	queue  chan pending
	stop   chan struct{} // closed by Close
	done   chan struct{} // closed when the writer goroutine has returned
	pinged chan struct{} // closed when New's first ping has returned
	closed atomic.Bool
}

func newWriter() *writer {
	return &writer{
		queue:  make(chan pending, writeQueue),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		pinged: make(chan struct{}),
	}
}

// queueWrite queues e for the shared tier and reports whether it will be
// written: not when the breaker is open, the queue is full or the cache is
// closed. It never blocks.
func (c *Cache) queueWrite(key string, e Entry) bool {
	if c.w.closed.Load() || !c.breaker.allow() {
		c.m.writesDropped.Inc()
		return false
	}
	select {
	case c.w.queue <- pending{key: key, e: e}:
		return true
	default:
		c.m.writesDropped.Inc()
		return false
	}
}

// Sync waits until every entry computed before the call has been written
// to the shared tier, or has failed to be. It returns ctx's error if ctx
// ends first, and nil at once without a shared tier or after Close.
func (c *Cache) Sync(ctx context.Context) error {
	if c.w == nil || c.w.closed.Load() {
		return nil
	}
	synced := make(chan struct{})
	select {
	case c.w.queue <- pending{synced: synced}:
	case <-c.w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-synced:
		return nil
	case <-c.w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes the entries still queued (each batch bounded by the shared
// tier's timeout), stops the writer and the watch for flushes elsewhere,
// and waits for the first ping (bounded by the same timeout), so nothing
// of the Cache runs after it returns. Evaluations still work after it,
// without writing to the shared tier. It is safe to call more than once.
func (c *Cache) Close() {
	if c.w == nil {
		return
	}
	if c.w.closed.CompareAndSwap(false, true) {
		close(c.w.stop)
	}
	<-c.w.done
	<-c.w.pinged
	c.stopFlushWatch()
}

// writeLoop is the writer goroutine: it gathers a batch, writes it, and
// repeats until Close, then writes what is left.
func (c *Cache) writeLoop() {
	defer close(c.w.done)
	b := &batch{entries: make([]abaco.StoreEntry, 0, writeBatch)}
	timer := time.NewTimer(writeDelay)
	timer.Stop()
	for {
		select {
		case p := <-c.w.queue:
			b.add(p)
		case <-c.w.stop:
			c.drain(b)
			return
		}
		timer.Reset(writeDelay)
	gather:
		for len(b.entries) < writeBatch && len(b.synced) == 0 {
			// What has queued already joins the batch whether or not the
			// delay is over: a select with both ready picks at random, and
			// would cut a batch short on a busy machine.
			select {
			case p := <-c.w.queue:
				b.add(p)
				continue
			default:
			}
			select {
			case p := <-c.w.queue:
				b.add(p)
			case <-timer.C:
				break gather
			case <-c.w.stop:
				break gather
			}
		}
		timer.Stop()
		c.writeBatch(b)
	}
}

// drain writes everything left in the queue, in batches.
func (c *Cache) drain(b *batch) {
	for {
		select {
		case p := <-c.w.queue:
			b.add(p)
			if len(b.entries) == writeBatch {
				c.writeBatch(b)
			}
		default:
			c.writeBatch(b)
			return
		}
	}
}

// batch is the writer's batch under construction: entries encoded for the
// store, and the Syncs to release once they are written.
type batch struct {
	entries []abaco.StoreEntry
	synced  []chan struct{}
}

func (b *batch) add(p pending) {
	if p.synced != nil {
		b.synced = append(b.synced, p.synced)
		return
	}
	b.entries = append(b.entries, abaco.StoreEntry{Key: p.key, Entry: encode(p.e)})
}

// writeBatch writes b's entries with one SetMany, releases its Syncs and
// empties it. A failed write counts once toward the breaker, however many
// entries it carried; a refused one does not (see refusal.go).
func (c *Cache) writeBatch(b *batch) {
	if n := len(b.entries); n > 0 {
		if c.writesPaused() || !c.breaker.allow() {
			c.m.writesDropped.Add(float64(n))
		} else {
			c.write(b.entries)
		}
	}
	for _, s := range b.synced {
		close(s)
	}
	clear(b.entries) // let the written entries be collected
	b.entries, b.synced = b.entries[:0], b.synced[:0]
}

// write writes entries to the shared tier and accounts for the outcome.
func (c *Cache) write(entries []abaco.StoreEntry) {
	ctx := context.Background()
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	err := c.shared.SetMany(tctx, entries, c.ttl)
	cancel()
	n := float64(len(entries))
	if err == nil {
		c.sharedOK()
		c.writeWorked()
		c.m.writes.Add(n)
		return
	}
	c.m.writesDropped.Add(n)
	if reason, ok := refusedText(err); ok {
		// The store answered: it is up, only its writes are refused.
		c.sharedOK()
		c.writeRefused(reason)
		return
	}
	c.sharedFailed(ctx, "set", err)
}
