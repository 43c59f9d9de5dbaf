package expr

import "testing"

// TestLookupBare checks that every name in builtins resolves to its own id,
// and that other names, including prefixes and extensions of known ones,
// resolve to bUnknown.
func TestLookupBare(t *testing.T) {
	t.Parallel()
	for id := bUnknown + 1; id < numBuiltins; id++ {
		if got := lookupBare(builtins[id].name); got != id {
			t.Errorf("lookupBare(%q) = %d, want %d", builtins[id].name, got, id)
		}
	}
	for _, s := range []string{"", "x", "sq", "sqrtt", "log1", "log100", "?", "Math", "atan3"} {
		if got := lookupBare(s); got != bUnknown {
			t.Errorf("lookupBare(%q) = %d, want bUnknown", s, got)
		}
	}
}
