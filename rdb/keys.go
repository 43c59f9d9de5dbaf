package rdb

// Every Redis key abaco reads or writes is named in this file, so a person
// with redis-cli can find them all in one place.

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode"
	"unicode/utf8"
)

// Result cache keys.
//
// A cached result lives at "abaco:v1:eval:" + the canonical expression, e.g.
// "abaco:v1:eval:2 + 2", readable with redis-cli. The "v1" names the engine's
// semantics: bump it when a change to expr could alter a result, and the
// cache starts from a fresh key space. Expressions longer than
// maxReadableKey bytes, or not printable as they are (control characters
// or invalid UTF-8, which only the input of a syntax error, "raw:...", can
// hold), are replaced by "#" + their SHA-256 in hex: that bounds key size
// without collisions in practice, and keeps every key one readable line in
// redis-cli. No canonical expression starts with "#".
//
// The cache's other keys share the prefix: the syntax error of an input
// that does not parse at "raw:" + the input ("abaco:v1:eval:raw:2 +"), and
// an entry of cache.GetOrCompute at its namespace + ":" + its key
// ("abaco:v1:eval:demo:calculo_demorado(10)"). No canonical expression
// has a ':'.
const (
	cachePrefix    = "abaco:v1:eval:"
	maxReadableKey = 128
	// cacheMatch is the SCAN pattern of every cache key, for Flush. The
	// prefix holds no glob characters, so it needs no escaping.
	cacheMatch = cachePrefix + "*"
)

// Flush signal keys.
//
// A flush of the cache (DELETE /cache) must reach the in-process tier of
// every abaco process sharing the Redis, not only the one that flushed:
//
//	abaco:v1:generation  STRING the cache's generation, a decimal number:
//	                            INCR by each flush; when it is missing (a
//	                            Redis restarted empty, a FLUSHALL by hand)
//	                            the next reader sets a random one, so a
//	                            generation never comes back
//	abaco:v1:flush       CHANNEL pub/sub: each flush publishes the new
//	                            generation (PUBLISH is cluster-wide, and a
//	                            SUBSCRIBE works on any node)
//
// Watch it with redis-cli: GET abaco:v1:generation, SUBSCRIBE abaco:v1:flush.
// An ACL user needs the channel (&abaco:v1:flush, or allchannels: Redis 7
// users start with none) besides the key.
const (
	generationKey = "abaco:v1:generation"
	flushChannel  = "abaco:v1:flush"
)

// cacheKey returns the Redis key of the cached result of a canonical expression.
func cacheKey(canonical string) string {
	if len(canonical) <= maxReadableKey && printable(canonical) {
		return cachePrefix + canonical
	}
	sum := sha256.Sum256([]byte(canonical))
	return cachePrefix + "#" + hex.EncodeToString(sum[:])
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// Queue keys.
//
// A queue named Q is the plain list Q itself, so the tutorial's RPUSH/BLPOP
// scripts and redis-cli keep working on it. Every other key of the queue
// starts with the hash tag "{Q}", which Redis Cluster hashes to the same
// slot as the bare name Q, so each multi-key script touches one slot:
//
//	Q                          LIST   waiting items (RPUSH by producers)
//	{Q}:processing:<consumer>  LIST   items leased by one consumer, oldest first
//	{Q}:consumers              SET    registered consumer ids
//	{Q}:hb:<consumer>          STRING heartbeat (PX expiry); value = unix ms of
//	                                  the consumer's oldest lease, 0 when idle
//	{Q}:attempts               HASH   payload -> failed or redelivered attempts
//	{Q}:dead                   LIST   dead letters, JSON {payload, reason, ...}
//	{Q}:stats                  HASH   redeliveries by cause: consumer_died,
//	                                  lease_lost, handler_error (HINCRBY)
//	{Q}:reaped:<consumer>      STRING set by the reaper when it hands back a
//	                                  live-looking consumer's items; its next
//	                                  heartbeat deletes it and so learns it
//	                                  was fenced (PX reapedTTL)
//	{Q}:job:<id>               STRING job record (JSON, PX expiry)
//	{Q}:recent                 ZSET   the newest job ids (GET /jobs), scored
//	                                  by submission time in unix ms * 1000
//	{Q}:idem:<key>             STRING an Idempotency-Key of POST /jobs: the
//	                                  request's digest and its job ids (PX)
//	{Q}:done                   CHANNEL pub/sub: the ids of finished or
//	                                  cancelled jobs, space-separated, for
//	                                  the requests that wait on them
//
// Queue names must not contain braces (a brace would change the slot).

func queueKey(queue string) string                { return queue }
func queueTag(queue string) string                { return "{" + queue + "}:" }
func processingKey(queue, consumer string) string { return queueTag(queue) + "processing:" + consumer }
func consumersKey(queue string) string            { return queueTag(queue) + "consumers" }
func heartbeatKey(queue, consumer string) string  { return queueTag(queue) + "hb:" + consumer }
func attemptsKey(queue string) string             { return queueTag(queue) + "attempts" }
func deadKey(queue string) string                 { return queueTag(queue) + "dead" }
func statsKey(queue string) string                { return queueTag(queue) + "stats" }
func reapedKey(queue, consumer string) string     { return queueTag(queue) + "reaped:" + consumer }
func jobKey(queue, id string) string              { return queueTag(queue) + "job:" + id }
func recentKey(queue string) string               { return queueTag(queue) + "recent" }
func doneChannel(queue string) string             { return queueTag(queue) + "done" }

// idemKey is the key of an idempotency key: as the client sent it when it
// reads well in redis-cli, else "#" and its SHA-256 in hex.
func idemKey(queue, key string) string {
	if len(key) > maxReadableKey || !printable(key) {
		sum := sha256.Sum256([]byte(key))
		key = "#" + hex.EncodeToString(sum[:])
	}
	return queueTag(queue) + "idem:" + key
}
