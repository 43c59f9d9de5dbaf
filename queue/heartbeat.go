package queue

import (
	"context"
	"time"
)

// heartbeat refreshes the consumer's liveness, runs the reaper and samples
// the queue's gauges, at once and then every Heartbeat. A failed heartbeat
// is retried sooner (retryWait, at most Heartbeat), so the consumer is
// alive again in Redis within about a second of Redis coming back.
func (r *run) heartbeat() {
	defer r.beats.Done()
	o := r.c.o
	tick := time.NewTicker(o.Heartbeat)
	defer tick.Stop()
	fails := 0
	for {
		// It uses r.bg, not r.ctx: a heartbeat cancelled at shutdown could
		// still land after Leave and make the consumer look alive.
		if err := r.c.b.Heartbeat(r.bg, o.Queue, o.ID, o.HeartbeatTTL, r.leases.oldest()); err != nil {
			fails++
			wait := min(retryWait(fails), o.Heartbeat)
			r.c.log.Warn("queue: heartbeat failed", "err", err, "retry_in", wait.String())
			if !sleep(r.ctx, wait) {
				return
			}
			continue
		}
		fails = 0
		// The reaper and the gauges read Redis, and the client retries
		// reads until their context ends. Bounded by shutdown and by what
		// is left of this heartbeat's TTL after the next interval, they
		// can hold up neither Run's return nor the next heartbeat while
		// Redis is down. Unlike the heartbeat, either may land late
		// harmlessly.
		ctx, cancel := context.WithTimeout(r.ctx, max(o.HeartbeatTTL-o.Heartbeat, o.Heartbeat))
		r.reap(ctx)
		r.c.m.observeQueue(ctx, r.c.b)
		cancel()
		select {
		case <-r.ctx.Done():
			return
		case <-tick.C:
		}
	}
}
