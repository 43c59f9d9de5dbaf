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
	neturl "net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"abaco/internal/opt"
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
	// AllowUnreachable makes Open succeed when Redis does not answer yet
	// (refused, unresolvable, timed out, a connection closed before Redis
	// spoke), so that a service can start before its Redis does. Commands
	// then fail until Redis answers; the client keeps connecting in the
	// background, calling OnError with each new reason it fails and
	// OnConnect when it succeeds. An unparsable URL, or Redis answering
	// with an error (a refused login, an unknown db), still fails Open:
	// waiting will not fix it. A Sentinel URL (master_set) is never
	// allowed to be unreachable.
	AllowUnreachable bool
	// OnConnect is called once, from the background, when a client opened
	// with Redis unreachable connects. It must not call Close.
	OnConnect func()
	// OnError is called from the background with the reason a connection
	// attempt of a client opened with Redis unreachable failed, whenever
	// it differs from the previous attempt's: so a Redis that comes up
	// refusing the login is reported once, not every second.
	OnError func(error)
}

// reconnectEvery is how often a client opened with Redis unreachable
// tries to connect again.
const reconnectEvery = time.Second

// Client is a connection pool to one Redis server (or cluster), opened from
// a URL. It is safe for concurrent use.
type Client struct {
	// rc is the rueidis client. It changes once at most: from the stand-in
	// to the real client, when Open was allowed to find Redis unreachable.
	rc atomic.Pointer[rueidis.Client]
	// standIn is the client used until the real one connects, or nil. It
	// stays open until Close: commands that took it just before the swap
	// still complete on it.
	standIn  rueidis.Client
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
	ro, err := rueidis.ParseURL(url)
	if err != nil {
		// net/url's errors quote the whole URL, password included; the
		// reason alone is what a caller may print.
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("rdb: parse url: %w", err)
	}
	ro.Dialer.Timeout = opt.Or(o.DialTimeout, time.Second)
	ro.ConnWriteTimeout = opt.Or(o.ConnWriteTimeout, 3*time.Second)
	ro.ClientName = o.ClientName
	if ro.ClientName == "" {
		ro.ClientName = "abaco"
	}
	// Client-side caching is not used: keys expire in seconds and the
	// in-process tier already serves hot keys.
	ro.DisableCache = true
	c := &Client{stop: make(chan struct{}), done: make(chan struct{})}
	rc, err := rueidis.NewClient(ro)
	if err == nil {
		c.rc.Store(&rc)
		close(c.done)
		return c, nil
	}
	if _, redisErr := rueidis.IsRedisErr(err); !o.AllowUnreachable || redisErr {
		return nil, fmt.Errorf("rdb: connect: %w", err)
	}
	// The stand-in is a plain single-server client: rueidis returns one
	// even when its first dial fails (not for Sentinel, nor for options it
	// rejects: then sc is nil), and it dials again on each command, so
	// commands fail fast while Redis is away. It cannot tell a cluster
	// from a single server, which takes a connection; the background loop
	// opens the real client once Redis answers.
	standIn := ro
	standIn.ForceSingleClient = true
	standIn.DisableRetry = true
	sc, _ := rueidis.NewClient(standIn)
	if sc == nil {
		return nil, fmt.Errorf("rdb: connect: %w", err)
	}
	c.standIn = sc
	c.rc.Store(&sc)
	go c.connect(ro, err, o)
	return c, nil
}

// connect opens the real client in the background, once Redis answers,
// and puts it in place of the stand-in. first is the error of Open's own
// attempt, which the caller has seen.
func (c *Client) connect(opt rueidis.ClientOption, first error, o Options) {
	defer close(c.done)
	t := time.NewTicker(reconnectEvery)
	defer t.Stop()
	last := first.Error()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		rc, err := rueidis.NewClient(opt)
		if err != nil {
			if msg := err.Error(); msg != last {
				last = msg
				if o.OnError != nil {
					o.OnError(fmt.Errorf("rdb: connect: %w", err))
				}
			}
			continue
		}
		c.rc.Store(&rc)
		if o.OnConnect != nil {
			o.OnConnect()
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
	if rc := c.conn(); rc != c.standIn {
		rc.Close()
	}
	if c.standIn != nil {
		c.standIn.Close()
	}
}
