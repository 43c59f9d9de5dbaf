package cache_test

import (
	"context"
	"strconv"
	"testing"

	"abaco/cache"
)

// BenchmarkEvaluateHit is the hot path: a repeated expression answered by
// the local tier (parse, canonical form, map read).
func BenchmarkEvaluateHit(b *testing.B) {
	c := cache.New(newEngine(), cache.Options{})
	ctx := context.Background()
	if _, err := c.Evaluate(ctx, "2+2"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r, _ := c.Evaluate(ctx, "2+2"); r.Value != "4" {
				b.Fatal(r)
			}
		}
	})
}

// BenchmarkEvaluateMiss evaluates a new expression each time (embedded
// tier only): parse, evaluate, encode, store.
func BenchmarkEvaluateMiss(b *testing.B) {
	c := cache.New(newEngine(), cache.Options{})
	ctx := context.Background()
	exprs := make([]string, b.N)
	for i := range exprs {
		exprs[i] = strconv.Itoa(i) + " * 3 + 1"
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := c.Evaluate(ctx, exprs[i]); err != nil {
			b.Fatal(err)
		}
	}
}
