// Package rdb is the only code in abaco that talks to Redis. It implements
// the cache's shared Store and the queue Broker over
// github.com/redis/rueidis, whose automatic pipelining lets many goroutines
// share a few connections (see docs/redis-client.md for the measurement
// behind the choice). Every key name is built in keys.go.
package rdb

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/rueidis"
)

// Options tunes a Client. The zero value of each field selects its default.
type Options struct {
	// DialTimeout bounds connecting to Redis. Zero means 1s.
	DialTimeout time.Duration
	// ConnWriteTimeout bounds how long a connection may wait for a reply
	// before it is considered broken. Zero means 3s.
	ConnWriteTimeout time.Duration
	// ClientName is sent with CLIENT SETNAME so connections are easy to
	// spot in CLIENT LIST. Empty means "abaco".
	ClientName string
}

// Client is a connection pool to one Redis server (or cluster), opened from
// a URL. It is safe for concurrent use.
type Client struct {
	rc rueidis.Client
}

// Open connects to the Redis at url: redis://[user:password@]host:port/db,
// rediss:// for TLS, or unix:///path. It fails when Redis cannot be reached
// within the dial timeout.
func Open(url string, o Options) (*Client, error) {
	opt, err := rueidis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("rdb: parse url: %w", err)
	}
	opt.Dialer.Timeout = orDefault(o.DialTimeout, time.Second)
	opt.ConnWriteTimeout = orDefault(o.ConnWriteTimeout, 3*time.Second)
	opt.ClientName = o.ClientName
	if opt.ClientName == "" {
		opt.ClientName = "abaco"
	}
	// Client-side caching is not used: keys expire in seconds and the
	// in-process tier already serves hot keys.
	opt.DisableCache = true
	rc, err := rueidis.NewClient(opt)
	if err != nil {
		return nil, fmt.Errorf("rdb: connect: %w", err)
	}
	return &Client{rc: rc}, nil
}

// Ping reports whether Redis answers.
func (c *Client) Ping(ctx context.Context) error {
	if err := c.rc.Do(ctx, c.rc.B().Ping().Build()).Error(); err != nil {
		return fmt.Errorf("rdb: ping: %w", err)
	}
	return nil
}

// Close closes every connection.
func (c *Client) Close() { c.rc.Close() }

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
