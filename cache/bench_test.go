package cache_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"abaco"
	"abaco/cache"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
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

// BenchmarkEvaluateMissRedis is the all-distinct path with Redis as the
// shared tier, from many goroutines at once as the HTTP API would: parse,
// evaluate, keep locally and queue the write, which goes to Redis behind
// the answer in batches (its cost shows in the ns/op only as the writer
// goroutine's share of the CPU). A write the writer's full queue drops is
// answered as a bypass; the share of those is reported as dropped/op.
func BenchmarkEvaluateMissRedis(b *testing.B) {
	srv := redistest.Start(b)
	c := newCache(b, cache.Options{Shared: rdbtest.OpenStore(b, srv.URL), SharedTimeout: time.Second})
	ctx := context.Background()
	var next, dropped atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			in := strconv.FormatInt(next.Add(1), 10) + " * 3 + 1"
			r, err := c.Evaluate(ctx, in)
			if err != nil || (r.Cache != abaco.CacheMiss && r.Cache != abaco.CacheBypass) {
				b.Fatalf("%s: %+v, %v", in, r, err)
			}
			if r.Cache == abaco.CacheBypass {
				dropped.Add(1)
			}
		}
	})
	b.ReportMetric(float64(dropped.Load())/float64(b.N), "dropped/op")
}
