package queue

import (
	"time"

	"abaco/internal/backoff"
)

// Bounds of retryWait.
const (
	retryMinWait = 50 * time.Millisecond
	retryMaxWait = time.Second
)

// retryWait returns the wait before retrying a broker call that failed
// fails times in a row (1 or more): 50ms doubling up to 1s, so a consumer
// is back within about a second of Redis, with equal jitter (half to all
// of it) so consumers that lost the same Redis do not retry in lockstep.
// Options.backoff is for failed handlers, not for the connection.
func retryWait(fails int) time.Duration {
	return backoff.Exp(retryMinWait, retryMaxWait, fails)
}
