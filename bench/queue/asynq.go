package main

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"abaco/bench/internal/benchredis"
)

func asynqServer(addr string, conc int, h asynq.HandlerFunc) (func(), error) {
	srv := asynq.NewServer(asynq.RedisClientOpt{Addr: addr}, asynq.Config{
		Concurrency: conc, Logger: benchredis.Quiet{}, LogLevel: asynq.FatalLevel,
	})
	if err := srv.Start(h); err != nil {
		return nil, err
	}
	return srv.Shutdown, nil
}

func asynqThroughput(ctx context.Context, addr string, n, conc int) (time.Duration, error) {
	var processed atomic.Int64
	all := make(chan struct{})
	stop, err := asynqServer(addr, conc, func(context.Context, *asynq.Task) error {
		if processed.Add(1) == int64(n) {
			close(all)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	defer stop()
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: addr, PoolSize: 64})
	defer client.Close()
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: addr})
	defer insp.Close()
	start := time.Now()
	// asynq enqueues one task per round trip (a Lua script); 32 producers
	// keep the server busy.
	const producers = 32
	for p := range producers {
		go func() {
			for i := p; i < n; i += producers {
				if _, err := client.EnqueueContext(ctx, asynq.NewTask("noop", []byte(strconv.Itoa(i)))); err != nil {
					panic(err)
				}
			}
		}()
	}
	return finish(start, all, processed.Load, n, func() (bool, error) {
		qi, err := insp.GetQueueInfo("default")
		return err == nil && qi.Pending == 0 && qi.Active == 0, err
	})
}

func asynqLatency(ctx context.Context, addr string, samples, conc int, gap time.Duration) ([]time.Duration, error) {
	rec := newRecorder(samples)
	stop, err := asynqServer(addr, conc, func(_ context.Context, t *asynq.Task) error {
		rec.add(string(t.Payload()))
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer stop()
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: addr})
	defer client.Close()
	return rec.openLoop(samples, gap, func(p string) error {
		_, err := client.EnqueueContext(ctx, asynq.NewTask("noop", []byte(p)))
		return err
	})
}
