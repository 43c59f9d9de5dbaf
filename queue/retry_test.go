package queue

import (
	"testing"
	"time"
)

// TestRetryWait checks the connection backoff's bounds: 50ms at first, at
// most 1s (±20%) however long the outage, and jittered.
func TestRetryWait(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fails    int
		min, max time.Duration
	}{
		{"first", 1, 40 * time.Millisecond, 60 * time.Millisecond},
		{"second", 2, 80 * time.Millisecond, 120 * time.Millisecond},
		{"capped", 5, 640 * time.Millisecond, 960 * time.Millisecond},
		{"long outage", 1000, 800 * time.Millisecond, 1200 * time.Millisecond},
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
