// Package rdb is the only code in abaco that talks to Redis. It implements
// the cache's shared Store and the queue Broker over
// github.com/redis/rueidis, whose automatic pipelining lets many goroutines
// share a few connections (see docs/redis-client.md for the measurement
// behind the choice). Every key name is built in keys.go.
package rdb

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"abaco/internal/backoff"
	"abaco/internal/opt"
)

// Options tunes a Client. The zero value of each field selects its default.
type Options struct {
	// DialTimeout bounds connecting to Redis. Zero means 1s; the URL's
	// dial_timeout, when it has one, wins.
	DialTimeout time.Duration
	// ConnWriteTimeout bounds how long a connection may wait for a reply
	// before it is considered broken. Zero means 3s; the URL's
	// write_timeout, when it has one, wins.
	ConnWriteTimeout time.Duration
	// ClientName is sent with CLIENT SETNAME so connections are easy to
	// spot in CLIENT LIST. Empty means "abaco".
	ClientName string
	// Wait is how long Open keeps trying while Redis (or every sentinel)
	// does not answer, for a command that runs once and may start just
	// before its Redis. Zero means one attempt. Redis answering with an
	// error (a refused login) ends the wait at once.
	Wait time.Duration
	// AllowUnreachable makes Open succeed when Redis does not answer yet
	// (refused, unresolvable, timed out, a connection closed before Redis
	// spoke, every sentinel down), so that a service can start before its
	// Redis does. Commands then fail until Redis answers; the client keeps
	// connecting in the background, calling OnError with each new reason
	// it fails and OnConnect when it succeeds. An unparsable URL, or Redis
	// answering with an error (a refused login, an unknown db), still
	// fails Open: waiting will not fix it.
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
// tries to connect again; retryEvery is how often Open tries within
// Options.Wait.
const (
	reconnectEvery = time.Second
	retryEvery     = 250 * time.Millisecond
)

// sentinelRefresh is how often a Sentinel client asks the sentinels who
// the master is, besides following their +switch-master messages: a
// missed message would otherwise leave it on a demoted master.
const sentinelRefresh = 2 * time.Second

// Client is a connection pool to one Redis server, a cluster, or the
// master a set of sentinels names, opened from a URL. It is safe for
// concurrent use.
type Client struct {
	// rc is the rueidis client. It changes once at most: from the stand-in
	// to the real client, when Open was allowed to find Redis unreachable.
	rc atomic.Pointer[rueidis.Client]
	// standIn is the client used until the real one connects, or nil. It
	// stays open until Close: commands that took it just before the swap
	// still complete on it.
	standIn rueidis.Client
	// why is the last reason connecting failed, which the stand-in's
	// commands fail with.
	why      atomic.Pointer[error]
	stop     chan struct{} // closed by Close, for the background connect
	stopOnce sync.Once
	done     chan struct{} // closed when the background connect has ended
}

// conn returns the current rueidis client.
func (c *Client) conn() rueidis.Client { return *c.rc.Load() }

// Open connects to the Redis at url, in any form ParseURL accepts. It
// fails when Redis cannot be reached within the dial timeout (or within
// o.Wait), unless o.AllowUnreachable.
func Open(url string, o Options) (*Client, error) {
	u, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	ro := clientOption(u, o)
	c := &Client{stop: make(chan struct{}), done: make(chan struct{})}
	rc, err := dial(ro, o.Wait)
	if err == nil {
		c.rc.Store(&rc)
		close(c.done)
		return c, nil
	}
	if !o.AllowUnreachable || Refused(err) {
		return nil, fmt.Errorf("rdb: connect: %w", err)
	}
	c.setWhy(err)
	sc, serr := rueidis.NewClient(c.standInOption(ro))
	if sc == nil {
		return nil, fmt.Errorf("rdb: connect: %w", errors.Join(err, serr))
	}
	c.standIn = sc
	c.rc.Store(&sc)
	go c.connect(ro, err, o)
	return c, nil
}

// clientOption returns the rueidis options of u tuned by o.
func clientOption(u URL, o Options) rueidis.ClientOption {
	ro := u.clientOption()
	ro.Dialer.Timeout = opt.Or(ro.Dialer.Timeout, opt.Or(o.DialTimeout, time.Second))
	ro.ConnWriteTimeout = opt.Or(ro.ConnWriteTimeout, opt.Or(o.ConnWriteTimeout, 3*time.Second))
	ro.ClientName = cmp.Or(ro.ClientName, o.ClientName, "abaco")
	// Client-side caching is not used: keys expire in seconds and the
	// in-process tier already serves hot keys.
	ro.DisableCache = true
	if ro.Sentinel.MasterSet != "" {
		ro.Sentinel.Dialer = ro.Dialer
		ro.Sentinel.ClientName = ro.ClientName
		ro.Sentinel.TopologyRefreshInterval = sentinelRefresh
	}
	return ro
}

// dial opens the rueidis client, trying again every retryEvery for up to
// wait while Redis does not answer.
func dial(ro rueidis.ClientOption, wait time.Duration) (rueidis.Client, error) {
	deadline := time.Now().Add(wait)
	for {
		rc, err := rueidis.NewClient(ro)
		if err == nil || Refused(err) || time.Now().Add(retryEvery).After(deadline) {
			return rc, err
		}
		// Jittered, so processes started together do not dial in step.
		time.Sleep(backoff.Jitter(retryEvery, backoff.Equal))
	}
}

// Refused reports whether err, or an error it wraps, is Redis answering
// with an error (a refused login, an unknown db): waiting will not fix it.
func Refused(err error) bool {
	var re *rueidis.RedisError
	return errors.As(err, &re) && !re.IsNil()
}

// standInOption is the option of the stand-in: a single-server client
// whose every connection attempt fails at once with the reason the real
// client could not connect. rueidis returns such a client even though its
// first dial fails, so commands fail fast, and never reach a server the
// stand-in could mistake for the real one (a sentinel, one cluster node).
func (c *Client) standInOption(ro rueidis.ClientOption) rueidis.ClientOption {
	ro.ForceSingleClient = true
	ro.DisableRetry = true
	ro.Sentinel = rueidis.SentinelOption{}
	ro.InitAddress = ro.InitAddress[:1]
	ro.DialCtxFn = func(context.Context, string, *net.Dialer, *tls.Config) (net.Conn, error) {
		return nil, *c.why.Load()
	}
	return ro
}

// setWhy records why connecting failed.
func (c *Client) setWhy(err error) {
	err = fmt.Errorf("rdb: not connected yet: %w", err)
	c.why.Store(&err)
}

// dialUnix is the DialCtxFn of unix:// URLs.
func dialUnix(ctx context.Context, path string, d *net.Dialer, _ *tls.Config) (net.Conn, error) {
	return d.DialContext(ctx, "unix", path)
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
			c.setWhy(err)
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

// Ping reports whether Redis answers: one server, the master the
// sentinels name now, or a cluster that serves all its slots. On a
// cluster a keyless PING would go to any node the client knows, a dead
// seed of the URL or a failed master included, so it asks them all (see
// pingCluster).
func (c *Client) Ping(ctx context.Context) error {
	rc := c.conn()
	if rc.Mode() == rueidis.ClientModeCluster {
		return pingCluster(ctx, rc)
	}
	if err := rc.Do(ctx, rc.B().Ping().Build()).Error(); err != nil {
		return fmt.Errorf("rdb: ping: %w", err)
	}
	return nil
}

// errClusterDown is what a live cluster node says when some slot has no
// live master.
var errClusterDown = errors.New("rdb: ping: the cluster reports cluster_state:fail (some hash slots have no live master)")

// pingCluster sends CLUSTER INFO to every node the client knows at once:
// the cluster is up as soon as a live node says cluster_state:ok, and down
// when every node that answers says otherwise. One node's fail is not
// enough: right after a promotion the nodes' views differ for a moment.
// Dead nodes only hold up the verdict that nothing answers ok.
func pingCluster(ctx context.Context, rc rueidis.Client) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	nodes := rc.Nodes()
	answers := make(chan error, len(nodes))
	for _, n := range nodes {
		go func() { answers <- clusterState(ctx, n) }()
	}
	var down, first error
	for range nodes {
		switch err := <-answers; {
		case err == nil:
			return nil
		case errors.Is(err, errClusterDown):
			down = err
		default:
			first = cmp.Or(first, err)
		}
	}
	if down != nil {
		return down
	}
	return fmt.Errorf("rdb: ping: no cluster node answers: %w", first)
}

// clusterState asks node for its view of the cluster. A node that answers
// with an error (an ACL user without CLUSTER) is alive, which is all a
// PING would have told.
func clusterState(ctx context.Context, node rueidis.Client) error {
	info, err := node.Do(ctx, node.B().ClusterInfo().Build()).ToString()
	switch {
	case Refused(err):
		return nil
	case err != nil:
		return err
	case !strings.Contains(info, "cluster_state:ok"):
		return errClusterDown
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
