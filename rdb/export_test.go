package rdb

// CheckPolicy exposes one read of a PolicyWatch to the tests, which change
// the policy and read it at once rather than wait for the watch's timer.
var CheckPolicy = (*PolicyWatch).check

// BrokerErr exposes the broker's error classification to the tests.
var BrokerErr = brokerErr
