// Package inmem is abaco's embedded backend, living in this process only:
// a Broker for queues, the default when no Redis is configured, and a Store
// for cache entries (bounded by entries and bytes, each entry with its own
// TTL, over github.com/maypok86/otter/v2). They satisfy the same contract
// test suites as their Redis counterparts in rdb.
//
// The Store is not abaco serve's default: without Redis the cache's own
// in-process tier is the whole cache, and a second in-process copy behind
// it would only double the memory. The Store is the shared tier for a
// program that embeds the cache package without Redis and wants entries
// kept apart from any one cache (several caches over one Store share
// results), and the reference implementation tests run the cache over.
package inmem
