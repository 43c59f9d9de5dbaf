package queue

import "time"

// The bounds of merged submissions, for the tests of package queue_test.
const (
	MaxSlowCalls       = maxSlowCalls
	MaxInFlightSubmits = maxInFlightSubmits
	MinMergedJobs      = minMergedJobs
)

// SetSlowSubmit sets when j counts a submit call as slow (slowSubmit
// otherwise), so that a test can keep the slow-call path out of its way.
// It must be called before j's first submission.
func SetSlowSubmit(j *Jobs, d time.Duration) { j.coalescer.slow = d }
