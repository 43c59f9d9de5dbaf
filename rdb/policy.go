package rdb

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco/internal/backoff"
	"abaco/internal/opt"
)

// Redis's maxmemory-policy decides what a full Redis does. One that evicts
// (allkeys-*, volatile-*: job records and heartbeats have TTLs) silently
// deletes queue lists and job records; noeviction refuses writes instead,
// which abaco reports and survives. For a cache an evicting policy is
// right, so only the commands whose queues or jobs live in Redis (serve
// with jobs, worker, consume, produce) watch it: they read it at start and
// again every policyEvery (every policyRetry while Redis does not answer,
// so a Redis back after an outage, perhaps with another configuration, is
// read within about a second), warn once when it evicts and say once when
// it no longer does.
const (
	policyEvery = 5 * time.Second
	policyRetry = time.Second
	// policyTimeout bounds one read of the policy.
	policyTimeout = time.Second
)

// PolicyWatch watches the maxmemory-policy of the Redis that holds this
// process's queues or job records. It is safe for concurrent use.
type PolicyWatch struct {
	c     *Client
	log   *slog.Logger
	gauge prometheus.Gauge

	mu     sync.Mutex
	policy string    // the policy last read; empty before the first read
	since  time.Time // when an evicting policy was first read; zero: none
}

// NewPolicyWatch returns a watch of c's policy that logs to log (nil
// discards) and, with reg not nil, exports abaco_redis_evicting_policy.
// Start starts it.
func NewPolicyWatch(c *Client, log *slog.Logger, reg prometheus.Registerer) *PolicyWatch {
	w := &PolicyWatch{c: c, log: opt.Logger(log)}
	if reg != nil {
		g := prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "abaco_redis_evicting_policy",
			Help: "1 while the Redis that holds this process's queues or job records has a maxmemory-policy that evicts keys " +
				"(allkeys-*, volatile-*), which may silently delete queued items and job records when Redis is full; 0 otherwise.",
		})
		reg.MustRegister(g)
		w.gauge = g
	}
	return w
}

// Start reads the policy once, before it returns, so that even a
// short-lived command (produce) warns; then it reads it again in the
// background until ctx is done.
func (w *PolicyWatch) Start(ctx context.Context) {
	ok := w.check(ctx)
	go func() {
		for {
			wait := policyEvery
			if !ok {
				wait = backoff.Jitter(policyRetry, backoff.Equal)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			ok = w.check(ctx)
		}
	}()
}

// check reads the policy and reports whether Redis answered. A failure is
// not logged: the caller's own Redis calls report the outage.
func (w *PolicyWatch) check(ctx context.Context) bool {
	cctx, cancel := context.WithTimeout(ctx, policyTimeout)
	policy, err := w.c.MaxmemoryPolicy(cctx)
	cancel()
	if err != nil {
		w.log.Debug("redis: cannot read maxmemory-policy", "err", err)
		return false
	}
	w.saw(policy)
	return true
}

// saw records a policy read, logging a change of whether it evicts (or,
// while it evicts, of the policy itself).
func (w *PolicyWatch) saw(policy string) {
	evicts := PolicyEvicts(policy)
	w.mu.Lock()
	changed := policy != w.policy
	was := !w.since.IsZero()
	w.policy = policy
	switch {
	case evicts && !was:
		w.since = time.Now()
	case !evicts:
		w.since = time.Time{}
	}
	w.mu.Unlock()
	if w.gauge != nil {
		v := 0.0
		if evicts {
			v = 1
		}
		w.gauge.Set(v)
	}
	switch {
	case evicts && changed:
		w.log.Warn("redis: maxmemory-policy evicts keys: when Redis is full it may silently delete queued items and job records; "+
			"set maxmemory-policy noeviction on the Redis that holds queues and jobs", "policy", policy)
	case was && !evicts:
		w.log.Info("redis: maxmemory-policy no longer evicts keys", "policy", policy)
	}
}

// Degraded returns since when the policy has evicted and the reason to
// show in /readyz; a zero since means it does not (or is not known yet).
func (w *PolicyWatch) Degraded() (since time.Time, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.since.IsZero() {
		return time.Time{}, ""
	}
	return w.since, "maxmemory-policy " + w.policy + " evicts queue and job keys"
}
