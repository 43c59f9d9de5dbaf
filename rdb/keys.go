package rdb

// Every Redis key abaco reads or writes is named in this file, so a person
// with redis-cli can find them all in one place.

import (
	"crypto/sha256"
	"encoding/hex"
)

// Result cache keys.
//
// A cached result lives at "abaco:v1:eval:" + the canonical expression, e.g.
// "abaco:v1:eval:2 + 2", readable with redis-cli. The "v1" names the engine's
// semantics: bump it when a change to expr could alter a result, and the
// cache starts from a fresh key space. Expressions longer than
// maxReadableKey bytes are replaced by "#" + their SHA-256 in hex, which
// bounds key size without collisions in practice.
const (
	cachePrefix    = "abaco:v1:eval:"
	maxReadableKey = 128
)

// cacheKey returns the Redis key of the cached result of a canonical expression.
func cacheKey(canonical string) string {
	if len(canonical) <= maxReadableKey {
		return cachePrefix + canonical
	}
	sum := sha256.Sum256([]byte(canonical))
	return cachePrefix + "#" + hex.EncodeToString(sum[:])
}

// Queue keys: see the queue section below (owned by the queue broker).
