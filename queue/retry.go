package queue

import (
	"math/rand/v2"
	"time"
)

// Bounds of retryWait.
const (
	retryMinWait = 50 * time.Millisecond
	retryMaxWait = time.Second
)

// retryWait returns the wait before retrying a broker call that failed
// fails times in a row (1 or more): 50ms doubling up to 1s, so a consumer
// is back within about a second of Redis, with ±20% jitter so consumers
// that lost the same Redis do not retry in lockstep. Options.backoff is for
// failed handlers, not for the connection.
func retryWait(fails int) time.Duration {
	d := doubled(retryMinWait, retryMaxWait, fails-1)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
