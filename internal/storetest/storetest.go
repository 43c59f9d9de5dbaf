// Package storetest is the contract test suite of abaco.Store: every
// implementation (inmem, rdb) runs the same tests, so they behave alike.
// The suite checks the store itself (round trips of every kind of key, TTL
// expiry, flush, concurrent writers) and the result cache over it (key
// format, error caching, sharing between processes, single flight).
package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"abaco"
)

// TTLGetter is the optional method of stores that report an entry's
// remaining lifetime (the cache package uses it when present).
type TTLGetter interface {
	GetTTL(ctx context.Context, canonical string) ([]byte, time.Duration, bool, error)
}

// Run runs the contract tests against stores made by newStore, which must
// return an empty store for each call, cleaned up by t.
func Run(t *testing.T, newStore func(t *testing.T) abaco.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s abaco.Store)
	}{
		{"missing", testMissing},
		{"round trip", testRoundTrip},
		{"overwrite", testOverwrite},
		{"ttl expiry", testExpiry},
		{"non-positive ttl", testBadTTL},
		{"flush", testFlush},
		{"concurrent", testConcurrent},
		{"set many", testSetMany},
		{"set many, bad ttl", testSetManyBadTTL},
		{"cache: one entry per canonical form", testCacheCanonicalKey},
		{"cache: errors", testCacheErrors},
		{"cache: shared until the ttl", testCacheShared},
		{"cache: flush", testCacheFlush},
		{"cache: single flight", testCacheSingleFlight},
		{"ping", func(t *testing.T, s abaco.Store) {
			if err := s.Ping(context.Background()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newStore(t))
		})
	}
}

// keys are canonical forms a store must keep apart: plain, unicode,
// binary, glob characters, and long ones that a store may hash.
func keys() map[string]string {
	long := strings.Repeat("1 + ", 300) + "1"
	return map[string]string{
		"plain":            "2 + 2",
		"unicode":          "√2 × π ≠ 3",
		"binary":           "a\x00b\r\n\xff",
		"glob":             "*[?]\\",
		"empty-looking":    " ",
		"long":             long,
		"long, same start": long + " + 2",
	}
}

func mustSet(t *testing.T, s abaco.Store, key string, entry []byte, ttl time.Duration) {
	t.Helper()
	if err := s.Set(context.Background(), key, entry, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func get(t *testing.T, s abaco.Store, key string) ([]byte, bool) {
	t.Helper()
	b, ok, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return b, ok
}

func testMissing(t *testing.T, s abaco.Store) {
	if b, ok := get(t, s, "1 + 1"); ok || b != nil {
		t.Fatalf("Get of a missing key = %q, %v; want nil, false", b, ok)
	}
	if g, ok := s.(TTLGetter); ok {
		if _, _, found, err := g.GetTTL(context.Background(), "1 + 1"); found || err != nil {
			t.Fatalf("GetTTL of a missing key: found %v, err %v", found, err)
		}
	}
}

func testRoundTrip(t *testing.T, s abaco.Store) {
	for name, k := range keys() {
		mustSet(t, s, k, []byte("entry of "+name+"\x00\xff"), time.Minute)
	}
	mustSet(t, s, "empty", nil, time.Minute)
	for name, k := range keys() {
		want := "entry of " + name + "\x00\xff"
		if b, ok := get(t, s, k); !ok || string(b) != want {
			t.Errorf("Get(%s) = %q, %v; want %q", name, b, ok, want)
		}
	}
	if b, ok := get(t, s, "empty"); !ok || len(b) != 0 {
		t.Errorf("Get(empty) = %q, %v; want an empty entry", b, ok)
	}
	g, ok := s.(TTLGetter)
	if !ok {
		return
	}
	b, ttl, found, err := g.GetTTL(context.Background(), "2 + 2")
	if err != nil || !found || string(b) != "entry of plain\x00\xff" {
		t.Fatalf("GetTTL = %q, %v, %v", b, found, err)
	}
	if ttl <= 0 || ttl > time.Minute {
		t.Errorf("GetTTL ttl = %v, want in (0, 1m]", ttl)
	}
}

func testOverwrite(t *testing.T, s abaco.Store) {
	mustSet(t, s, "7 * 6", []byte("41"), 50*time.Millisecond)
	mustSet(t, s, "7 * 6", []byte("42"), time.Minute)
	time.Sleep(150 * time.Millisecond) // past the first TTL, which the overwrite replaced
	if b, ok := get(t, s, "7 * 6"); !ok || string(b) != "42" {
		t.Fatalf("after overwrite Get = %q, %v; want 42 with the new TTL", b, ok)
	}
}

func testExpiry(t *testing.T, s abaco.Store) {
	mustSet(t, s, "short", []byte("1"), 100*time.Millisecond)
	mustSet(t, s, "long", []byte("2"), time.Minute)
	if _, ok := get(t, s, "short"); !ok {
		t.Fatal("entry gone before its TTL")
	}
	waitExpired(t, s, "short", "entry with a 100ms TTL")
	if _, ok := get(t, s, "long"); !ok {
		t.Fatal("entry with a 1m TTL expired with the short one")
	}
}

// waitExpired waits until key is gone, failing after 10s (far more than
// the short TTLs of these tests, 100ms to 2s).
func waitExpired(t *testing.T, s abaco.Store, key, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := get(t, s, key); !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still there after 10s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testBadTTL(t *testing.T, s abaco.Store) {
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.Set(context.Background(), "x", []byte("1"), ttl); err == nil {
			t.Errorf("Set with ttl %v: no error", ttl)
		}
	}
	if _, ok := get(t, s, "x"); ok {
		t.Error("Set with a bad ttl stored an entry")
	}
}

// testSetMany stores a batch of every kind of key, replacing one entry
// that was there, with one TTL for all.
func testSetMany(t *testing.T, s abaco.Store) {
	ctx := context.Background()
	mustSet(t, s, "2 + 2", []byte("old"), time.Minute)
	var batch []abaco.StoreEntry
	for name, k := range keys() {
		batch = append(batch, abaco.StoreEntry{Canonical: k, Entry: []byte("batch " + name)})
	}
	if err := s.SetMany(ctx, batch, time.Minute); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	if err := s.SetMany(ctx, nil, time.Minute); err != nil {
		t.Fatalf("SetMany of nothing: %v", err)
	}
	for name, k := range keys() {
		if b, ok := get(t, s, k); !ok || string(b) != "batch "+name {
			t.Errorf("after SetMany Get(%s) = %q, %v; want %q", name, b, ok, "batch "+name)
		}
	}
	if err := s.SetMany(ctx, []abaco.StoreEntry{{Canonical: "short", Entry: []byte("1")}}, 100*time.Millisecond); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	waitExpired(t, s, "short", "entry stored by SetMany with a 100ms TTL")
}

func testSetManyBadTTL(t *testing.T, s abaco.Store) {
	batch := []abaco.StoreEntry{{Canonical: "x", Entry: []byte("1")}}
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.SetMany(context.Background(), batch, ttl); err == nil {
			t.Errorf("SetMany with ttl %v: no error", ttl)
		}
	}
	if _, ok := get(t, s, "x"); ok {
		t.Error("SetMany with a bad ttl stored an entry")
	}
}

func testFlush(t *testing.T, s abaco.Store) {
	ctx := context.Background()
	ks := keys()
	for _, k := range ks {
		mustSet(t, s, k, []byte("1"), time.Minute)
	}
	n, err := s.Flush(ctx)
	if err != nil || n != int64(len(ks)) {
		t.Fatalf("Flush = %d, %v; want %d, nil", n, err, len(ks))
	}
	for name, k := range ks {
		if _, ok := get(t, s, k); ok {
			t.Errorf("%s still there after Flush", name)
		}
	}
	if n, err := s.Flush(ctx); err != nil || n != 0 {
		t.Fatalf("second Flush = %d, %v; want 0, nil", n, err)
	}
	mustSet(t, s, "2 + 2", []byte("4"), time.Minute)
	if b, ok := get(t, s, "2 + 2"); !ok || string(b) != "4" {
		t.Fatalf("Set after Flush did not stick: %q, %v", b, ok)
	}
}

// testConcurrent mixes writers of shared and own keys; run with -race.
func testConcurrent(t *testing.T, s abaco.Store) {
	const workers, rounds = 8, 100
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			own := fmt.Sprintf("own %d", w)
			for i := range rounds {
				shared := fmt.Sprintf("shared %d", i%5)
				val := []byte(fmt.Sprintf("%d", i))
				if err := s.Set(ctx, shared, val, time.Minute); err != nil {
					errs <- err
					return
				}
				if err := s.Set(ctx, own, val, time.Minute); err != nil {
					errs <- err
					return
				}
				if b, ok, err := s.Get(ctx, own); err != nil || !ok || !bytes.Equal(b, val) {
					errs <- fmt.Errorf("%s: got %q, %v, %v; want %q", own, b, ok, err, val)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range 5 {
		if _, ok := get(t, s, fmt.Sprintf("shared %d", i)); !ok {
			t.Errorf("shared %d missing", i)
		}
	}
}
