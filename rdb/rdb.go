// Package rdb is the only code in abaco that talks to Redis. It implements
// the cache's shared Store and the queue Broker over
// github.com/redis/rueidis, whose automatic pipelining lets many goroutines
// share a few connections (see docs/redis-client.md for the measurement
// behind the choice). Every key name is built in keys.go.
package rdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
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
	// AllowUnreachable makes Open succeed when Redis cannot be reached at
	// all (a network error: refused, unresolvable, timed out), so that a
	// service can start before its Redis does. Commands then fail until
	// Redis answers; the client keeps connecting in the background and
	// OnConnect, if set, is called when it succeeds. Any other failure (a
	// bad URL, a refused login) still fails Open: it will not fix itself.
	AllowUnreachable bool
	// OnConnect is called once, from the background, when a client opened
	// with Redis unreachable connects.
	OnConnect func()
}

// reconnectEvery is how often a client opened with Redis unreachable
// tries to connect again.
const reconnectEvery = time.Second

// Client is a connection pool to one Redis server (or cluster), opened from
// a URL. It is safe for concurrent use.
type Client struct {
	// rc is the rueidis client. It changes once at most: from a stand-in
	// to the real client, when Open was allowed to find Redis unreachable.
	rc       atomic.Pointer[rueidis.Client]
	stop     chan struct{} // closed by Close, for the background connect
	stopOnce sync.Once
	done     chan struct{} // closed when the background connect has ended
}

// conn returns the current rueidis client.
func (c *Client) conn() rueidis.Client { return *c.rc.Load() }

// Open connects to the Redis at url: redis://[user:password@]host:port/db,
// rediss:// for TLS, or unix:///path. It fails when Redis cannot be reached
// within the dial timeout, unless o.AllowUnreachable.
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
	c := &Client{stop: make(chan struct{}), done: make(chan struct{})}
	rc, err := rueidis.NewClient(opt)
	if err == nil {
		c.rc.Store(&rc)
		close(c.done)
		return c, nil
	}
	var netErr *net.OpError
	if !o.AllowUnreachable || !errors.As(err, &netErr) {
		return nil, fmt.Errorf("rdb: connect: %w", err)
	}
	// The stand-in is a plain single-server client: rueidis returns one
	// even when its first dial fails, and it dials again on each command,
	// so commands fail fast while Redis is away. It cannot tell a cluster
	// from a single server, which takes a connection; the background loop
	// opens the real client once Redis answers, and it replaces the
	// stand-in.
	standIn := opt
	standIn.ForceSingleClient = true
	standIn.DisableRetry = true
	sc, _ := rueidis.NewClient(standIn)
	if sc == nil {
		return nil, fmt.Errorf("rdb: connect: %w", err)
	}
	c.rc.Store(&sc)
	go c.connect(opt, o.OnConnect)
	return c, nil
}

// connect opens the real client in the background, once Redis answers,
// and puts it in place of the stand-in.
func (c *Client) connect(opt rueidis.ClientOption, onConnect func()) {
	defer close(c.done)
	t := time.NewTicker(reconnectEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		rc, err := rueidis.NewClient(opt)
		if err != nil {
			continue
		}
		standIn := c.conn()
		c.rc.Store(&rc)
		// Commands that still hold the stand-in fail once, as they would
		// have while Redis was away.
		standIn.Close()
		if onConnect != nil {
			onConnect()
		}
		return
	}
}

// Ping reports whether Redis answers.
func (c *Client) Ping(ctx context.Context) error {
	rc := c.conn()
	if err := rc.Do(ctx, rc.B().Ping().Build()).Error(); err != nil {
		return fmt.Errorf("rdb: ping: %w", err)
	}
	return nil
}

// Close stops connecting and closes every connection.
func (c *Client) Close() {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
	c.conn().Close()
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
