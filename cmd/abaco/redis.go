package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"abaco"
	"abaco/internal/outage"
	"abaco/rdb"
)

// needsRedis is the error of a queue command run without a Redis URL.
func needsRedis() error {
	return usageErrorf("needs Redis: set REDIS_URL or --redis-url (e.g. redis://127.0.0.1:6379, the tutorial's server)")
}

// openRedis connects to the Redis a one-shot command (produce, queue,
// demo) needs, waiting up to wait (--connect-timeout) for it to answer:
// such a command is often started next to its Redis, by the same script.
// A Redis that answers refusing the login is an error at once. The queue
// commands have no embedded fallback, because the embedded broker lives
// inside one process. cmd names the client in Redis (CLIENT LIST).
func openRedis(cmd, url string, wait time.Duration) (*rdb.Client, error) {
	if url == "" {
		return nil, needsRedis()
	}
	c, err := rdb.Open(url, rdb.Options{ClientName: "abaco-" + cmd, Wait: wait})
	switch {
	case err != nil && !rdb.Refused(err) && abaco.ErrorCode(err) != abaco.CodeInvalid:
		return nil, fmt.Errorf("redis at %s: not reachable within %v (--connect-timeout, env ABACO_CONNECT_TIMEOUT): %w",
			rdb.Redact(url), wait, err)
	case err != nil:
		return nil, fmt.Errorf("redis at %s: %w", rdb.Redact(url), err)
	}
	return c, nil
}

// openWaitRedis opens the Redis of a long-running command (worker,
// consume): Redis may start after abaco (a compose file without a health
// check, a Redis restarting, sentinels still electing), so the command
// starts anyway and its client connects in the background, logging the
// wait once (and again if the reason changes, e.g. a Redis that comes up
// refusing the login) and its end. An unparsable URL, or a Redis that
// answers refusing the login, is an error.
func openWaitRedis(cmd, url string, log *slog.Logger) (*rdb.Client, error) {
	if url == "" {
		return nil, needsRedis()
	}
	c, _, err := openWaiting(cmd, url, log)
	return c, err
}

// openServeRedis opens serve's Redis as openWaitRedis does; meanwhile
// serve runs without it, as during any outage, and says so.
func openServeRedis(rawURL string, log *slog.Logger) (*rdb.Client, error) {
	c, up, err := openWaiting("serve", rawURL, log)
	if err == nil && !up {
		log.Warn("redis unreachable: serving without it until it answers "+
			"(/readyz answers 200 with status degraded meanwhile, 503 with --ready-requires-redis)",
			"redis", rdb.Redact(rawURL))
	}
	return c, err
}

// openWaiting opens url allowing it to be unreachable, and reports
// whether it answered at once.
func openWaiting(cmd, url string, log *slog.Logger) (*rdb.Client, bool, error) {
	redacted := rdb.Redact(url)
	down := outage.New(log, "redis: connect", 0)
	c, err := rdb.Open(url, rdb.Options{
		ClientName:       "abaco-" + cmd,
		AllowUnreachable: true,
		OnConnect:        func() { down.OK() },
		OnError: func(err error) {
			down.Fail(err, "redis", redacted)
			log.Error("redis: cannot connect yet; still trying", "redis", redacted, "err", err)
		},
	})
	if err != nil {
		return nil, false, fmt.Errorf("redis at %s: %w", redacted, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		down.Fail(err, "redis", redacted)
		return c, false, nil
	}
	return c, true, nil
}
