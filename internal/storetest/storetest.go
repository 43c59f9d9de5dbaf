// Package storetest is the contract test suite of abaco.Store: every
// implementation (inmem, rdb standalone and cluster) runs the same tests,
// so they behave alike. The suite checks every method of the interface
// (round trips of every kind of key, remaining TTLs, expiry, flush,
// concurrent writers). Its runners and helpers also serve tests of code
// over a store (the cache package runs its shared-tier cases with them).
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

// A Case is one test of a store, given an empty one.
type Case struct {
	Name string
	Run  func(t *testing.T, s abaco.Store)
}

// contract is the suite every store passes.
var contract = []Case{
	{"missing", testMissing},
	{"round trip", testRoundTrip},
	{"overwrite", testOverwrite},
	{"ttl expiry", testExpiry},
	{"flush", testFlush},
	{"concurrent", testConcurrent},
	{"set many", testSetMany},
	{"set many, bad ttl", testSetManyBadTTL},
	{"ping", func(t *testing.T, s abaco.Store) {
		if err := s.Ping(context.Background()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	}},
}

// Run runs the contract tests in parallel against stores made by
// newStore, which must return an empty store for each call, cleaned up by t.
func Run(t *testing.T, newStore func(t *testing.T) abaco.Store) {
	RunCases(t, contract, newStore)
}

// RunSerial runs the contract tests one after another against s, flushed
// before each: for a store that is costly to start, such as a Redis
// Cluster.
func RunSerial(t *testing.T, s abaco.Store) {
	RunCasesSerial(t, contract, s)
}

// RunCases runs cases in parallel, each on its own empty store from
// newStore.
func RunCases(t *testing.T, cases []Case, newStore func(t *testing.T) abaco.Store) {
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			c.Run(t, newStore(t))
		})
	}
}

// RunCasesSerial runs cases one after another on s, which is flushed
// before each so that every case starts from an empty store.
func RunCasesSerial(t *testing.T, cases []Case, s abaco.Store) {
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if _, err := s.Flush(context.Background()); err != nil {
				t.Fatalf("Flush before the case: %v", err)
			}
			c.Run(t, s)
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

// set stores one entry.
func set(s abaco.Store, key string, entry []byte, ttl time.Duration) error {
	return s.SetMany(context.Background(), []abaco.StoreEntry{{Key: key, Entry: entry}}, ttl)
}

func mustSet(t *testing.T, s abaco.Store, key string, entry []byte, ttl time.Duration) {
	t.Helper()
	if err := set(s, key, entry, ttl); err != nil {
		t.Fatalf("SetMany(%q): %v", key, err)
	}
}

// Get returns the entry under key in s, failing t on an error.
func Get(t *testing.T, s abaco.Store, key string) ([]byte, bool) {
	t.Helper()
	b, _, ok, err := s.GetTTL(context.Background(), key)
	if err != nil {
		t.Fatalf("GetTTL(%q): %v", key, err)
	}
	return b, ok
}

func testMissing(t *testing.T, s abaco.Store) {
	if b, ok := Get(t, s, "1 + 1"); ok || b != nil {
		t.Fatalf("Get of a missing key = %q, %v; want nil, false", b, ok)
	}
}

func testRoundTrip(t *testing.T, s abaco.Store) {
	for name, k := range keys() {
		mustSet(t, s, k, []byte("entry of "+name+"\x00\xff"), time.Minute)
	}
	mustSet(t, s, "empty", nil, time.Minute)
	for name, k := range keys() {
		want := "entry of " + name + "\x00\xff"
		if b, ok := Get(t, s, k); !ok || string(b) != want {
			t.Errorf("Get(%s) = %q, %v; want %q", name, b, ok, want)
		}
	}
	if b, ok := Get(t, s, "empty"); !ok || len(b) != 0 {
		t.Errorf("Get(empty) = %q, %v; want an empty entry", b, ok)
	}
	b, ttl, found, err := s.GetTTL(context.Background(), "2 + 2")
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
	if b, ok := Get(t, s, "7 * 6"); !ok || string(b) != "42" {
		t.Fatalf("after overwrite Get = %q, %v; want 42 with the new TTL", b, ok)
	}
}

func testExpiry(t *testing.T, s abaco.Store) {
	mustSet(t, s, "short", []byte("1"), 100*time.Millisecond)
	mustSet(t, s, "long", []byte("2"), time.Minute)
	if _, ok := Get(t, s, "short"); !ok {
		t.Fatal("entry gone before its TTL")
	}
	WaitExpired(t, s, "short", "entry with a 100ms TTL")
	if _, ok := Get(t, s, "long"); !ok {
		t.Fatal("entry with a 1m TTL expired with the short one")
	}
}

// WaitExpired waits until key is gone from s, failing t after 10s (far
// more than the short TTLs of these tests, 100ms to 2s); what names the
// entry in the failure.
func WaitExpired(t *testing.T, s abaco.Store, key, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := Get(t, s, key); !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still there after 10s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testSetMany stores a batch of every kind of key, replacing one entry
// that was there, with one TTL for all.
func testSetMany(t *testing.T, s abaco.Store) {
	ctx := context.Background()
	mustSet(t, s, "2 + 2", []byte("old"), time.Minute)
	var batch []abaco.StoreEntry
	for name, k := range keys() {
		batch = append(batch, abaco.StoreEntry{Key: k, Entry: []byte("batch " + name)})
	}
	if err := s.SetMany(ctx, batch, time.Minute); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	if err := s.SetMany(ctx, nil, time.Minute); err != nil {
		t.Fatalf("SetMany of nothing: %v", err)
	}
	for name, k := range keys() {
		if b, ok := Get(t, s, k); !ok || string(b) != "batch "+name {
			t.Errorf("after SetMany Get(%s) = %q, %v; want %q", name, b, ok, "batch "+name)
		}
	}
	if err := s.SetMany(ctx, []abaco.StoreEntry{{Key: "short", Entry: []byte("1")}}, 100*time.Millisecond); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	WaitExpired(t, s, "short", "entry stored by SetMany with a 100ms TTL")
}

func testSetManyBadTTL(t *testing.T, s abaco.Store) {
	batch := []abaco.StoreEntry{{Key: "x", Entry: []byte("1")}}
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.SetMany(context.Background(), batch, ttl); err == nil {
			t.Errorf("SetMany with ttl %v: no error", ttl)
		}
	}
	if _, ok := Get(t, s, "x"); ok {
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
		if _, ok := Get(t, s, k); ok {
			t.Errorf("%s still there after Flush", name)
		}
	}
	if n, err := s.Flush(ctx); err != nil || n != 0 {
		t.Fatalf("second Flush = %d, %v; want 0, nil", n, err)
	}
	mustSet(t, s, "2 + 2", []byte("4"), time.Minute)
	if b, ok := Get(t, s, "2 + 2"); !ok || string(b) != "4" {
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
				if err := set(s, shared, val, time.Minute); err != nil {
					errs <- err
					return
				}
				if err := set(s, own, val, time.Minute); err != nil {
					errs <- err
					return
				}
				if b, _, ok, err := s.GetTTL(ctx, own); err != nil || !ok || !bytes.Equal(b, val) {
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
		if _, ok := Get(t, s, fmt.Sprintf("shared %d", i)); !ok {
			t.Errorf("shared %d missing", i)
		}
	}
}
