package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"abaco"
)

// SetIfAbsenter is the optional method of stores that store an entry only
// where there is none, returning the entry that was there otherwise (the
// cache package then answers a miss with one operation).
type SetIfAbsenter interface {
	SetIfAbsent(ctx context.Context, canonical string, entry []byte, ttl time.Duration) (current []byte, left time.Duration, stored bool, err error)
}

func setIfAbsenter(t *testing.T, s abaco.Store) SetIfAbsenter {
	t.Helper()
	a, ok := s.(SetIfAbsenter)
	if !ok {
		t.Skip("store has no SetIfAbsent")
	}
	return a
}

func testSetIfAbsent(t *testing.T, s abaco.Store) {
	a := setIfAbsenter(t, s)
	ctx := context.Background()
	for name, k := range keys() {
		cur, _, stored, err := a.SetIfAbsent(ctx, k, []byte("first"), time.Minute)
		if err != nil || !stored || cur != nil {
			t.Fatalf("%s: first SetIfAbsent = %q, %v, %v; want nil, true, nil", name, cur, stored, err)
		}
		cur, left, stored, err := a.SetIfAbsent(ctx, k, []byte("second"), time.Hour)
		if err != nil || stored || string(cur) != "first" {
			t.Fatalf("%s: second SetIfAbsent = %q, %v, %v; want first, false, nil", name, cur, stored, err)
		}
		if left <= 0 || left > time.Minute {
			t.Errorf("%s: left = %v; want in (0, 1m], the first entry's TTL", name, left)
		}
		if b, ok := get(t, s, k); !ok || string(b) != "first" {
			t.Errorf("%s: Get = %q, %v; want the first entry kept", name, b, ok)
		}
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		if _, _, stored, err := a.SetIfAbsent(ctx, "bad ttl", []byte("1"), ttl); err == nil || stored {
			t.Errorf("SetIfAbsent with ttl %v = stored %v, %v; want an error", ttl, stored, err)
		}
	}
	if _, ok := get(t, s, "bad ttl"); ok {
		t.Error("SetIfAbsent with a bad ttl stored an entry")
	}
}

// testSetIfAbsentExpired checks that an expired entry counts as absent and
// that the stored entry gets the TTL it was given.
func testSetIfAbsentExpired(t *testing.T, s abaco.Store) {
	a := setIfAbsenter(t, s)
	ctx := context.Background()
	mustSet(t, s, "9 - 1", []byte("7"), 50*time.Millisecond)
	time.Sleep(150 * time.Millisecond)
	if cur, _, stored, err := a.SetIfAbsent(ctx, "9 - 1", []byte("8"), 100*time.Millisecond); err != nil || !stored {
		t.Fatalf("SetIfAbsent over an expired entry = %q, %v, %v; want stored", cur, stored, err)
	}
	if b, ok := get(t, s, "9 - 1"); !ok || string(b) != "8" {
		t.Fatalf("Get = %q, %v; want 8", b, ok)
	}
	waitExpired(t, s, "9 - 1", "entry stored by SetIfAbsent with a 100ms TTL")
}

// testSetIfAbsentRace has writers race for one key: exactly one stores,
// and every other one is handed the winner's entry.
func testSetIfAbsentRace(t *testing.T, s abaco.Store) {
	a := setIfAbsenter(t, s)
	const writers = 8
	var (
		wg      sync.WaitGroup
		winners atomic.Int32
		mu      sync.Mutex
		seen    = map[string]int{}
	)
	for w := range writers {
		wg.Go(func() {
			cur, _, stored, err := a.SetIfAbsent(context.Background(), "race", fmt.Appendf(nil, "%d", w), time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			if stored {
				winners.Add(1)
				return
			}
			mu.Lock()
			seen[string(cur)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if n := winners.Load(); n != 1 {
		t.Fatalf("%d writers stored; want exactly 1", n)
	}
	final, _ := get(t, s, "race")
	if len(seen) != 1 || seen[string(final)] != writers-1 {
		t.Errorf("losers saw %v; want all %d to see the stored %q", seen, writers-1, final)
	}
}
