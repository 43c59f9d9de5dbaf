// Package inmem is abaco's embedded backend, used when no Redis is
// configured: a Store for cache entries (bounded by entries and bytes, each
// entry with its own TTL, over github.com/maypok86/otter/v2) and a Broker
// for queues, both living in this process only. They satisfy the same
// contract test suites as their Redis counterparts in rdb.
package inmem
