package queue

// MaxSlowCalls exposes maxSlowCalls to the tests of package queue_test.
const MaxSlowCalls = maxSlowCalls
