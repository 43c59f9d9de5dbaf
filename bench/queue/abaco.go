package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"abaco"
	"abaco/queue"
	"abaco/rdb"
)

const abacoQueue = "bench_queue"

// abacoBatch is Options.Batch (the -batch flag).
var abacoBatch int

func abacoConsumer(addr string, conc int, h queue.Handler) (*rdb.Client, func(), error) {
	c, err := rdb.Open("redis://"+addr, rdb.Options{})
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	cons := queue.NewConsumer(rdb.NewBroker(c), h, queue.Options{
		Queue: abacoQueue, Concurrency: conc, Batch: abacoBatch, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	go func() { _ = cons.Run(ctx); close(done) }()
	return c, func() { cancel(); <-done; c.Close() }, nil
}

func abacoThroughput(ctx context.Context, addr string, n, conc int) (time.Duration, error) {
	return abacoEndToEnd(ctx, addr, n, conc, false)
}

// abacoSingles is abacoThroughput with producers like asynq's: 32
// goroutines pushing one item per RPUSH.
func abacoSingles(ctx context.Context, addr string, n, conc int) (time.Duration, error) {
	return abacoEndToEnd(ctx, addr, n, conc, true)
}

func abacoEndToEnd(ctx context.Context, addr string, n, conc int, singles bool) (time.Duration, error) {
	var processed atomic.Int64
	all := make(chan struct{})
	c, stop, err := abacoConsumer(addr, conc, func(context.Context, abaco.Item) error {
		if processed.Add(1) == int64(n) {
			close(all)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	defer stop()
	b := rdb.NewBroker(c)
	start := time.Now()
	if singles {
		const producers = 32
		for p := range producers {
			go func() {
				for i := p; i < n; i += producers {
					if err := b.Push(ctx, abacoQueue, strconv.Itoa(i)); err != nil {
						panic(err)
					}
				}
			}()
		}
	} else {
		go push1000(ctx, b, n)
	}
	// The clock stops when the last acknowledgement has landed.
	return finish(start, all, processed.Load, n, func() (bool, error) {
		s, err := b.Stats(ctx, abacoQueue)
		return s.InFlight == 0 && s.Depth == 0, err
	})
}

func abacoLatency(ctx context.Context, addr string, samples, conc int, gap time.Duration) ([]time.Duration, error) {
	rec := newRecorder(samples)
	c, stop, err := abacoConsumer(addr, conc, func(_ context.Context, it abaco.Item) error {
		rec.add(it.Payload)
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer stop()
	b := rdb.NewBroker(c)
	return rec.openLoop(samples, gap, func(p string) error { return b.Push(ctx, abacoQueue, p) })
}

// push1000 pushes n items, 1000 per RPUSH, as abaco produce does.
func push1000(ctx context.Context, b *rdb.Broker, n int) {
	batch := make([]string, 0, 1000)
	for i := range n {
		batch = append(batch, strconv.Itoa(i))
		if len(batch) == cap(batch) || i == n-1 {
			if err := b.Push(ctx, abacoQueue, batch...); err != nil {
				panic(err)
			}
			batch = batch[:0]
		}
	}
}
