package httpapi

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The per-client limit of POST /jobs in abaco serve, unless told
// otherwise: a client may submit DefaultJobBurst jobs at once and
// DefaultJobRate a second after that.
const (
	DefaultJobRate  = 20.0
	DefaultJobBurst = 40
)

// maxClients bounds the buckets kept at once. A bucket costs about 200
// bytes, so a flood from many addresses costs at most a few megabytes;
// past the bound, clients without a bucket share one.
const maxClients = 10_000

// rateLimitPolicy names the policy in the RateLimit fields.
const rateLimitPolicy = `"jobs"`

// clientLimiter is a token bucket per client address (golang.org/x/time/rate,
// the standard, maintained implementation, rather than one of our own). A
// bucket left unused until it is full again is indistinguishable from a
// new one, so such idle buckets are dropped, at most once per refill time
// or when maxClients is reached: memory stays bounded without a goroutine.
type clientLimiter struct {
	rate   rate.Limit
	burst  int
	refill time.Duration // time for an empty bucket to fill
	now    func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// newClientLimiter returns a limiter of perSecond requests a second with
// bursts of burst, or nil (no limit) when perSecond is zero or less.
func newClientLimiter(perSecond float64, burst int, now func() time.Time) *clientLimiter {
	if perSecond <= 0 {
		return nil
	}
	burst = max(burst, 1)
	refill := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &clientLimiter{rate: rate.Limit(perSecond), burst: burst, refill: max(refill, time.Second),
		now: now, buckets: map[string]*bucket{}}
}

// verdict is the limiter's answer for one request.
type verdict struct {
	ok bool
	// remaining is the whole tokens left after this request.
	remaining int
	// next is how long until one more token is there: within it the
	// client can use no more than remaining requests.
	next time.Duration
}

// allow takes a token from client's bucket if there is one.
func (l *clientLimiter) allow(client string) verdict { return l.allowN(client, 1) }

// allowN takes n tokens from client's bucket if it has them.
func (l *clientLimiter) allowN(client string, n int) verdict {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(client, now)
	b.last = now
	ok := b.lim.AllowN(now, n)
	tokens := b.lim.TokensAt(now)
	v := verdict{ok: ok, remaining: max(0, int(math.Floor(tokens)))}
	missing := float64(v.remaining+1) - tokens
	v.next = time.Duration(missing / float64(l.rate) * float64(time.Second))
	return v
}

// bucket returns client's bucket, creating it. l.mu must be held.
func (l *clientLimiter) bucket(client string, now time.Time) *bucket {
	if b, ok := l.buckets[client]; ok {
		return b
	}
	if len(l.buckets) >= maxClients || now.Sub(l.swept) >= l.refill {
		l.sweep(now)
	}
	if len(l.buckets) >= maxClients {
		client = "" // the shared bucket of the clients past the bound
		if b, ok := l.buckets[client]; ok {
			return b
		}
	}
	b := &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
	l.buckets[client] = b
	return b
}

// sweep drops the buckets that are full again. l.mu must be held.
func (l *clientLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.last) >= l.refill {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}

// setHeaders writes the fields of draft-ietf-httpapi-ratelimit-headers-12
// (https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/),
// two RFC 9651 structured fields: RateLimit-Policy, the quota (the burst)
// per window (the seconds to refill it), and RateLimit, what remains and
// the seconds within which no more than that can be used (until the next
// token). A refused request also gets Retry-After, no earlier than that.
func (l *clientLimiter) setHeaders(h http.Header, v verdict) {
	h.Set("RateLimit-Policy", rateLimitPolicy+";q="+strconv.Itoa(l.burst)+";w="+strconv.Itoa(ceilSeconds(l.refill)))
	h.Set("RateLimit", rateLimitPolicy+";r="+strconv.Itoa(v.remaining)+";t="+strconv.Itoa(ceilSeconds(v.next)))
	if !v.ok {
		h.Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(v.next))))
	}
}

// ceilSeconds is d in whole seconds, rounded up.
func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

// clientOf returns the rate limit key of r: the host of its remote
// address, and for IPv6 its /64, since one host commonly holds a whole
// /64. Headers such as X-Forwarded-For are not trusted (any client can
// send them); behind a proxy every client shares the proxy's bucket, so
// the proxy needs a limit of its own.
func clientOf(r *http.Request) string {
	host := remoteHost(r)
	addr, err := netip.ParseAddr(host)
	if err != nil || !addr.Is6() || addr.Is4In6() {
		return host
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}

// remoteHost is the host of r's remote address.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
