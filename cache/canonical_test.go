package cache_test

import (
	"context"
	"strings"
	"testing"

	"abaco"
	"abaco/cache"
	"abaco/expr"
)

// TestCanonicalInputs checks the first tier's lookup of an input by its own
// text when it is in canonical form: a repeat is a local hit, and texts
// that only look like keys (with a ':', or too long to parse) never take
// another input's entry.
func TestCanonicalInputs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.New(expr.New(expr.Limits{MaxLength: 40}), cache.Options{})
	eval(t, c, "2 + 2", abaco.CacheMiss, "")
	r, err := eval(t, c, "2 + 2", abaco.CacheHit, "local")
	if err != nil || r.Value != "4" || r.Expression != "2 + 2" {
		t.Fatalf("repeat of a canonical input: %+v, %v", r, err)
	}
	eval(t, c, "2+2", abaco.CacheHit, "local")

	// "2 +" is cached under "raw:2 +"; the input "raw:2 +" has its own error.
	_, err1 := eval(t, c, "2 +", abaco.CacheMiss, "")
	_, err2 := c.Evaluate(ctx, "raw:2 +")
	if err2 == nil || err2.Error() == err1.Error() {
		t.Fatalf(`"raw:2 +" answered %v, the error of "2 +" is %v`, err2, err1)
	}

	// A canonical form longer than MaxLength, cached for a shorter input,
	// is not an answer to the same text as an input: that input is over
	// the limit.
	short := strings.Repeat("1+", 13) + "1"
	long := strings.ReplaceAll(short, "+", " + ")
	if r, err := c.Evaluate(ctx, short); err != nil || r.Expression != long || len(long) <= 40 {
		t.Fatalf("Evaluate(%q) = %+v, %v; want the canonical form %q, over MaxLength", short, r, err, long)
	}
	if _, err := eval(t, c, long, abaco.CacheBypass, ""); abaco.ErrorCode(err) != abaco.CodeLimit {
		t.Fatalf("input over MaxLength: %v, want code limit", err)
	}
}
