package cache

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// doorkeeper lets remember skip the inputs seen once: an alias costs a
// write to the first tier (with its eviction work), which pays off only
// for an input that comes again, and a stream of one-off inputs (a
// backlog of distinct jobs) would pay it for every one. It remembers the
// hash of the inputs it saw in a fixed table, so an input is aliased on
// its second miss; a collision merely delays or hastens an alias.
type doorkeeper struct {
	seed  maphash.Seed
	mask  uint64
	slots []atomic.Uint64
}

// newDoorkeeper returns a doorkeeper with room for about n inputs.
func newDoorkeeper(n int) *doorkeeper {
	size := uint64(1) << bits.Len64(uint64(max(n, 1))*2-1) // a power of two, at least 2n
	return &doorkeeper{seed: maphash.MakeSeed(), mask: size - 1, slots: make([]atomic.Uint64, size)}
}

// again reports whether s was seen before (probably), and records it.
func (d *doorkeeper) again(s string) bool {
	h := maphash.String(d.seed, s) | 1 // never 0, an empty slot
	slot := &d.slots[h&d.mask]
	if slot.Load() == h {
		return true
	}
	slot.Store(h)
	return false
}
