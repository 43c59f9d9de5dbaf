package rdb_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/rdb"
)

// TestFlushesGeneration checks the generation at abaco:v1:generation: a
// read starts one when there is none and two readers agree on it, reads
// leave it alone, Advance counts it up by one, and one deleted by hand
// comes back as another number.
func TestFlushesGeneration(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a, b := rdb.NewFlushes(rdbtest.Open(t, srv.URL)), rdb.NewFlushes(rdbtest.Open(t, srv.URL))
	ctx := context.Background()
	must := func(g string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g0 := must(a.Generation(ctx))
	tests := []struct {
		name string
		step func() string
		want func(g string) bool
	}{
		{"another reader", func() string { return must(b.Generation(ctx)) }, func(g string) bool { return g == g0 }},
		{"in redis", func() string { return srv.MustDo("GET", "abaco:v1:generation") }, func(g string) bool { return g == g0 }},
		{"advance", func() string { return must(b.Advance(ctx)) }, func(g string) bool { return g == plus(t, g0, 1) }},
		{"read after advance", func() string { return must(a.Generation(ctx)) }, func(g string) bool { return g == plus(t, g0, 1) }},
		{"deleted by hand", func() string {
			srv.MustDo("DEL", "abaco:v1:generation")
			return must(a.Generation(ctx))
		}, func(g string) bool { return g != g0 && g != plus(t, g0, 1) }},
		{"advance after a delete", func() string {
			srv.MustDo("DEL", "abaco:v1:generation")
			return must(a.Advance(ctx))
		}, func(g string) bool { return g != "1" && g != plus(t, g0, 2) }},
	}
	for _, tt := range tests {
		if g := tt.step(); !tt.want(g) {
			t.Errorf("%s: generation %q (first %q)", tt.name, g, g0)
		}
	}
}

// plus returns the decimal g + n.
func plus(t *testing.T, g string, n int64) string {
	t.Helper()
	v, err := strconv.ParseInt(g, 10, 64)
	if err != nil {
		t.Fatalf("generation %q: %v", g, err)
	}
	return strconv.FormatInt(v+n, 10)
}

// TestFlushesListen checks that Listen reports its subscription, then
// each announced generation, and returns ctx's error when ctx ends; and
// that it fails, rather than waits, for an ACL user without the channel.
func TestFlushesListen(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--user", "nochan", "on", ">pw", "~*", "+@all", "resetchannels")
	f := rdb.NewFlushes(rdbtest.Open(t, srv.URL))
	ctx, cancel := context.WithCancel(context.Background())
	subscribed := make(chan struct{}, 1)
	announced := make(chan string, 4)
	done := make(chan error, 1)
	go func() {
		done <- f.Listen(ctx, func() { subscribed <- struct{}{} }, func(g string) { announced <- g })
	}()
	select {
	case <-subscribed:
	case <-time.After(10 * time.Second):
		t.Fatal("not subscribed in 10s")
	}
	for _, g := range []string{"7", "8"} {
		if err := f.Announce(ctx, g); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-announced:
			if got != g {
				t.Fatalf("announced %q, want %q", got, g)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("announcement %q not heard in 10s", g)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Listen after cancel: %v, want context.Canceled", err)
	}

	noChan := rdb.NewFlushes(rdbtest.Open(t, "redis://nochan:pw@"+srv.Addr))
	err := noChan.Listen(context.Background(), func() { t.Error("subscribed without the channel") }, func(string) {})
	if err == nil {
		t.Error("Listen by a user without the channel: no error")
	}
}
