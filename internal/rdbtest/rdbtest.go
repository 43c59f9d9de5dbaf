// Package rdbtest opens rdb clients for tests, on the private servers that
// internal/redistest starts.
package rdbtest

import (
	"testing"
	"time"

	"abaco/rdb"
)

// Open connects to the Redis at url and closes the client when tb ends.
// The dial timeout is generous: a machine loaded by a parallel -race run
// must not fail a test by connecting slowly.
func Open(tb testing.TB, url string) *rdb.Client {
	tb.Helper()
	c, err := rdb.Open(url, rdb.Options{DialTimeout: 10 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c
}

// OpenStore returns the cache store over a client of the Redis at url,
// closed when tb ends.
func OpenStore(tb testing.TB, url string) *rdb.Store {
	tb.Helper()
	return rdb.NewStore(Open(tb, url))
}
