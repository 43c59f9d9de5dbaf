package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// TestClientLimiterMemory checks that the per-client buckets stay
// bounded: buckets full again are dropped, and past maxClients new
// clients share one bucket instead of adding their own.
func TestClientLimiterMemory(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := newClientLimiter(1, 2, func() time.Time { return now })
	for i := range 10 {
		if v := l.allow("10.0.0." + strconv.Itoa(i)); !v.ok || v.remaining != 1 {
			t.Fatalf("client %d: %+v, want allowed with 1 left", i, v)
		}
	}
	now = now.Add(l.refill) // every bucket is full again
	l.allow("10.0.1.1")
	if n := len(l.buckets); n != 1 {
		t.Fatalf("%d buckets after the idle ones were due, want 1", n)
	}
	for i := range maxClients + 100 {
		l.allow("c" + strconv.Itoa(i))
	}
	if n := len(l.buckets); n > maxClients+1 {
		t.Fatalf("%d buckets, want at most %d", n, maxClients+1)
	}
	// The clients past the bound share the overflow bucket: its burst of
	// 2 went to the first two of them.
	if v := l.allow("one more"); v.ok {
		t.Fatalf("a client past the bound got a bucket of its own: %+v", v)
	}
}

// TestClientOf checks the rate limit key of a remote address.
func TestClientOf(t *testing.T) {
	for _, c := range []struct{ remote, want string }{
		{"192.0.2.1:5000", "192.0.2.1"},
		{"[2001:db8::1]:5000", "2001:db8::/64"},
		{"[::ffff:192.0.2.1]:5000", "::ffff:192.0.2.1"},
		{"no port", "no port"},
	} {
		r := newRequestFrom(c.remote)
		if got := clientOf(r); got != c.want {
			t.Errorf("clientOf(%q) = %q, want %q", c.remote, got, c.want)
		}
	}
}

func newRequestFrom(remote string) *http.Request {
	r := httptest.NewRequest("POST", "/jobs", nil)
	r.RemoteAddr = remote
	return r
}
