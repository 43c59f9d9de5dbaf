package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco/rdb"
)

// openRedis connects to the Redis the queue commands need; they have no
// embedded fallback, because the embedded broker lives inside one process.
// cmd names the client in Redis (CLIENT LIST).
func openRedis(cmd, url string) (*rdb.Client, error) {
	if url == "" {
		return nil, usageErrorf("needs Redis: set REDIS_URL or --redis-url (e.g. redis://127.0.0.1:6379, the tutorial's server)")
	}
	c, err := rdb.Open(url, rdb.Options{ClientName: "abaco-" + cmd})
	if err != nil {
		return nil, fmt.Errorf("redis at %s: %w", redactURL(url), err)
	}
	if err := c.Ping(context.Background()); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis at %s: %w", redactURL(url), err)
	}
	return c, nil
}

// openServeRedis opens serve's Redis. Redis may start after abaco (a
// compose file without a health check, a Redis restarting), so serve runs
// without it meanwhile, as during any outage, and logs why each time the
// reason changes (a Redis that comes up refusing the login). An
// unparsable URL, or a Redis that answers refusing the login, is an error.
func openServeRedis(rawURL string, log *slog.Logger) (*rdb.Client, error) {
	redacted := redactURL(rawURL)
	c, err := rdb.Open(rawURL, rdb.Options{
		AllowUnreachable: true,
		OnConnect:        func() { log.Info("redis: connected", "redis", redacted) },
		OnError:          func(err error) { log.Error("redis: cannot connect yet; still trying", "redis", redacted, "err", err) },
	})
	if err != nil {
		return nil, fmt.Errorf("redis at %s: %w", redacted, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		log.Warn("redis unreachable: serving without it until it answers "+
			"(/readyz answers 200 with status degraded meanwhile, 503 with --ready-requires-redis)",
			"redis", redacted, "err", err)
	}
	return c, nil
}

// redactURL hides the password of a Redis URL for logs and errors.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}

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

// policyWatch watches the maxmemory-policy of the Redis that holds this
// process's queues or job records. It is safe for concurrent use.
type policyWatch struct {
	c     *rdb.Client
	log   *slog.Logger
	gauge prometheus.Gauge

	mu     sync.Mutex
	policy string    // the policy last read; empty before the first read
	since  time.Time // when an evicting policy was first read; zero: none
}

// newPolicyWatch returns a watch of c's policy that logs to log and, with
// reg not nil, exports abaco_redis_evicting_policy.
func newPolicyWatch(c *rdb.Client, log *slog.Logger, reg prometheus.Registerer) *policyWatch {
	w := &policyWatch{c: c, log: log}
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

// start reads the policy once, before it returns, so that even a
// short-lived command (produce) warns; then it reads it again in the
// background until ctx is done.
func (w *policyWatch) start(ctx context.Context) {
	ok := w.check(ctx)
	go func() {
		for {
			wait := policyEvery
			if !ok {
				wait = policyRetry
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
func (w *policyWatch) check(ctx context.Context) bool {
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
func (w *policyWatch) saw(policy string) {
	evicts := rdb.PolicyEvicts(policy)
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

// degraded returns since when the policy has evicted and the reason to
// show in /readyz; a zero since means it does not (or is not known yet).
func (w *policyWatch) degraded() (since time.Time, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.since.IsZero() {
		return time.Time{}, ""
	}
	return w.since, "maxmemory-policy " + w.policy + " evicts queue and job keys"
}
