package backoff

import (
	"testing"
	"time"
)

func TestDoubled(t *testing.T) {
	for _, tc := range []struct {
		name        string
		base, limit time.Duration
		n           int
		want        time.Duration
	}{
		{"no doubling", 100 * time.Millisecond, time.Second, 0, 100 * time.Millisecond},
		{"negative n", 100 * time.Millisecond, time.Second, -3, 100 * time.Millisecond},
		{"twice", 100 * time.Millisecond, time.Second, 2, 400 * time.Millisecond},
		{"capped", 100 * time.Millisecond, time.Second, 4, time.Second},
		{"huge n does not overflow", 100 * time.Millisecond, time.Second, 1 << 30, time.Second},
		{"base above limit", 2 * time.Second, time.Second, 0, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Doubled(tc.base, tc.limit, tc.n); got != tc.want {
				t.Fatalf("Doubled(%v, %v, %d) = %v, want %v", tc.base, tc.limit, tc.n, got, tc.want)
			}
		})
	}
}

// TestJitter checks that jittered waits stay within [d-spread*d, d] and
// vary from call to call.
func TestJitter(t *testing.T) {
	for _, tc := range []struct {
		name     string
		d        time.Duration
		spread   float64
		min, max time.Duration
		constant bool // no room for jitter
	}{
		{"equal", time.Second, Equal, 500 * time.Millisecond, time.Second, false},
		{"full", time.Second, Full, 0, time.Second, false},
		{"quarter", 400 * time.Millisecond, 0.25, 300 * time.Millisecond, 400 * time.Millisecond, false},
		{"tiny", 4, Equal, 2, 4, false},
		{"spread above 1 is full", time.Second, 7, 0, time.Second, false},
		{"no spread", time.Second, 0, time.Second, time.Second, true},
		{"negative spread", time.Second, -1, time.Second, time.Second, true},
		{"zero wait", 0, Full, 0, 0, true},
		{"negative wait", -time.Second, Full, -time.Second, -time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				d := Jitter(tc.d, tc.spread)
				if d < tc.min || d > tc.max {
					t.Fatalf("Jitter(%v, %v) = %v, want within [%v, %v]", tc.d, tc.spread, d, tc.min, tc.max)
				}
				seen[d] = true
			}
			if !tc.constant && len(seen) < 2 {
				t.Fatalf("Jitter(%v, %v) returned one value 200 times: no jitter", tc.d, tc.spread)
			}
			if tc.constant && len(seen) != 1 {
				t.Fatalf("Jitter(%v, %v) varied (%d values), want it unchanged", tc.d, tc.spread, len(seen))
			}
		})
	}
}

// TestExp checks the jittered exponential wait of retry n: between half
// and all of base doubled n-1 times, capped at limit.
func TestExp(t *testing.T) {
	base, limit := 100*time.Millisecond, 2*time.Second
	for _, tc := range []struct {
		name     string
		n        int
		min, max time.Duration
	}{
		{"first retry", 1, 50 * time.Millisecond, 100 * time.Millisecond},
		{"third retry", 3, 200 * time.Millisecond, 400 * time.Millisecond},
		{"capped", 10, time.Second, 2 * time.Second},
		{"long outage", 100000, time.Second, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				d := Exp(base, limit, tc.n)
				if d < tc.min || d > tc.max {
					t.Fatalf("Exp(%d) = %v, want within [%v, %v]", tc.n, d, tc.min, tc.max)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Fatalf("Exp(%d) returned one value 200 times: no jitter", tc.n)
			}
		})
	}
}
