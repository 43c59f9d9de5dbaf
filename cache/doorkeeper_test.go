package cache

import (
	"strconv"
	"testing"
)

func TestDoorkeeper(t *testing.T) {
	d := newDoorkeeper(100)
	if len(d.slots) != 256 {
		t.Errorf("%d slots for 100 inputs, want 256", len(d.slots))
	}
	if d.again("2*3") {
		t.Fatal("a new input counts as seen")
	}
	if !d.again("2*3") {
		t.Fatal("an input seen once counts as new")
	}
	// Past its room the table forgets the oldest, but a new input never
	// counts as seen: that takes all 64 bits of its hash.
	seen := 0
	for i := range 10_000 {
		if d.again(strconv.Itoa(i) + "+1") {
			seen++
		}
	}
	if seen > 0 {
		t.Errorf("%d of 10000 new inputs counted as seen", seen)
	}
}
