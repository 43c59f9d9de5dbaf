package main

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"
)

// The tutorial's consumer: BLPOP one item per round trip, no
// acknowledgement (an item is lost if the consumer dies after BLPOP).

func blpopConsumers(addr string, conc int, h func(string)) (rueidis.Client, func(), error) {
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true})
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				kv, err := c.Do(ctx, c.B().Blpop().Key(abacoQueue).Timeout(1).Build()).AsStrSlice()
				if err == nil && len(kv) == 2 {
					h(kv[1])
				}
			}
		}()
	}
	return c, func() { cancel(); wg.Wait(); c.Close() }, nil
}

func blpopThroughput(ctx context.Context, addr string, n, conc int) (time.Duration, error) {
	var processed atomic.Int64
	all := make(chan struct{})
	c, stop, err := blpopConsumers(addr, conc, func(string) {
		if processed.Add(1) == int64(n) {
			close(all)
		}
	})
	if err != nil {
		return 0, err
	}
	defer stop()
	start := time.Now()
	go func() {
		batch := make([]string, 0, 1000)
		for i := range n {
			batch = append(batch, strconv.Itoa(i))
			if len(batch) == cap(batch) || i == n-1 {
				if err := c.Do(ctx, c.B().Rpush().Key(abacoQueue).Element(batch...).Build()).Error(); err != nil {
					panic(err)
				}
				batch = batch[:0]
			}
		}
	}()
	return finish(start, all, processed.Load, n, func() (bool, error) { return true, nil })
}

func blpopLatency(ctx context.Context, addr string, samples, conc int, gap time.Duration) ([]time.Duration, error) {
	rec := newRecorder(samples)
	c, stop, err := blpopConsumers(addr, conc, rec.add)
	if err != nil {
		return nil, err
	}
	defer stop()
	return rec.openLoop(samples, gap, func(p string) error {
		return c.Do(ctx, c.B().Rpush().Key(abacoQueue).Element(p).Build()).Error()
	})
}
