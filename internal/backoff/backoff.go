// Package backoff computes the waits between retries: a base doubled per
// attempt up to a limit, and jitter, so that the processes that lost the
// same Redis at the same moment do not all retry in the same instant.
// Every retry wait of abaco (broker calls, handler retries, subscriptions,
// dials, the breaker's cooldown) goes through Jitter.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Doubled returns base doubled n times, at most limit; n of 0 or less
// returns base (or limit, when lower).
func Doubled(base, limit time.Duration, n int) time.Duration {
	d := base
	for i := 0; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Jitter returns a random wait in [d-spread*d, d], uniformly: spread 1 is
// "full jitter" (anywhere from 0 to d), 0.5 "equal jitter" (at least half
// of d). Jitter only shortens d, so d stays the documented upper bound of
// a wait, and a spread below 1 keeps a floor under a retry loop. A spread
// outside [0, 1] is clamped; d of 0 or less is returned as is.
func Jitter(d time.Duration, spread float64) time.Duration {
	if d <= 0 {
		return d
	}
	spread = min(max(spread, 0), 1)
	cut := time.Duration(spread * float64(d))
	if cut <= 0 {
		return d
	}
	return d - rand.N(cut+1)
}

// Equal is the spread of equal jitter: a wait is between half of its base
// and all of it.
const Equal = 0.5

// Full is the spread of full jitter: a wait is anywhere up to its base.
const Full = 1.0

// Exp returns the jittered wait before retry number n (1 for the first
// retry): base doubled n-1 times up to limit, with equal jitter.
func Exp(base, limit time.Duration, n int) time.Duration {
	return Jitter(Doubled(base, limit, n-1), Equal)
}
