package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

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
