package queue

import (
	"testing"
	"time"
)

// TestRetryWait checks the connection backoff's bounds: 50ms at first, at
// most 1s however long the outage, and jittered down to half of that.
func TestRetryWait(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fails    int
		min, max time.Duration
	}{
		{"first", 1, 25 * time.Millisecond, 50 * time.Millisecond},
		{"second", 2, 50 * time.Millisecond, 100 * time.Millisecond},
		{"capped", 5, 400 * time.Millisecond, 800 * time.Millisecond},
		{"long outage", 1000, 500 * time.Millisecond, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 100 {
				d := retryWait(tc.fails)
				if d < tc.min || d > tc.max {
					t.Fatalf("retryWait(%d) = %v, want within [%v, %v]", tc.fails, d, tc.min, tc.max)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Fatalf("retryWait(%d) returned one value 100 times: no jitter", tc.fails)
			}
		})
	}
}

// TestHandlerBackoff checks the per-item retry wait: MinBackoff before the
// second delivery, doubling up to MaxBackoff, each jittered down to half.
func TestHandlerBackoff(t *testing.T) {
	o := Options{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}
	for _, tc := range []struct {
		name     string
		attempt  int
		min, max time.Duration
	}{
		{"second delivery", 2, 50 * time.Millisecond, 100 * time.Millisecond},
		{"third delivery", 3, 100 * time.Millisecond, 200 * time.Millisecond},
		{"capped", 20, 500 * time.Millisecond, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 100 {
				d := o.backoff(tc.attempt)
				if d < tc.min || d > tc.max {
					t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tc.attempt, d, tc.min, tc.max)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Fatalf("backoff(%d) returned one value 100 times: no jitter", tc.attempt)
			}
		})
	}
}
