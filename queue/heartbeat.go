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
		reaped, err := r.c.b.Heartbeat(r.bg, o.Queue, o.ID, o.HeartbeatTTL, r.leases.oldest())
		if err != nil {
			fails++
			r.beatLog.Fail(err)
			if !sleep(r.ctx, min(retryWait(fails), o.Heartbeat)) {
				return
			}
			continue
		}
		r.beatLog.OK()
		if fails > 0 {
			r.reapAfter = holdReaper(o.HeartbeatTTL)
		}
		fails = 0
		if reaped {
			r.fence()
		}
		// The reaper and the gauges read Redis, and the client retries
		// reads until their context ends. Bounded by shutdown and by what
		// is left of this heartbeat's TTL after the next interval, they
		// can hold up neither Run's return nor the next heartbeat while
		// Redis is down. Unlike the heartbeat, either may land late
		// harmlessly.
		ctx, cancel := context.WithTimeout(r.ctx, max(o.HeartbeatTTL-o.Heartbeat, o.Heartbeat))
		if !time.Now().Before(r.reapAfter) {
			r.reap(ctx)
		}
		r.c.m.observeQueue(ctx, r.c.b)
		cancel()
		select {
		case <-r.ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// holdReaper returns when a consumer whose heartbeat just came back after
// failing may run its reaper again: a full heartbeat TTL later. An outage
// longer than the TTL expires every consumer's heartbeat, and the live
// ones need up to that long to beat again; reaping sooner would hand back
// their items (and, before its own beat, this consumer's) as if they had
// died.
func holdReaper(ttl time.Duration) time.Time {
	return time.Now().Add(ttl)
}
