package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/queue"
	"abaco/rdb"
)

func runConsume(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "consume", "abaco consume [flags]",
		`Takes items from a Redis list (default number_queue) in order and processes
them, as the tutorial's consumidor.py does, but at least once: each item is
leased into a processing list of this consumer and removed only after it was
processed. A consumer killed mid-item has its items given back to the head of
the queue by any other consumer within about 4 s (3 missed heartbeats).
SIGTERM or Ctrl-C stops taking items, cuts the current delay short and gives
unfinished items back at once.

Processing an item means evaluating it as an expression (a number evaluates
to itself, so "42" prints "processed 42"; "2+3" prints "processed 2+3 = 5"),
then waiting --delay (the tutorial's time.sleep(1)), then printing one line.
An item that cannot be evaluated (e.g. "abc") is a dead letter at once with
the reason; see "abaco queue dead". Failures of a handler are retried with
backoff up to --max-attempts.

Examples:
  export REDIS_URL=redis://127.0.0.1:6379
  abaco consume
  abaco consume --delay 0 --concurrency 8

`+tracingHelp+`
Each item gets a span of its own ("process <queue>"): a plain item
carries no trace context to continue.`)
	var q string
	var delay time.Duration
	stringVar(fs, env, &q, "queue", "ABACO_QUEUE", queue.DefaultQueue, "the Redis list to consume")
	durationVar(fs, env, &delay, "delay", "ABACO_DELAY", time.Second, "simulated processing time per item; 0 for none")
	f := runtimeFlags(fs, env, 1)
	c, log, reg, err := f.open(ctx, env, fs, args, "consume", &q)
	if err != nil {
		return err
	}
	defer c.Close()
	if delay < 0 {
		return usageErrorf("--delay must not be negative")
	}
	o := f.options(q, log, reg)
	if delay > 0 && o.Batch == 0 {
		// Slow items: lease only what the workers can start, so that
		// several consumers share the queue fairly.
		o.Batch = o.Concurrency
	}
	tp, endTracing, err := openTracing(env.Getenv, env.Stderr, log)
	if err != nil {
		return err
	}
	defer endTracing()
	h := &printer{evaluator: cache.New(expr.New(f.limits), cache.Options{Tracing: tp}), delay: delay, w: bufio.NewWriter(env.Stdout)}
	o.Tracing = tp
	o.BeforeAck = h.flush
	f.running(log, "consume", q)
	return queue.NewConsumer(rdb.NewBroker(c), h.handle, o).Run(ctx)
}

// printer is consume's handler: evaluate, wait the delay, print a line.
type printer struct {
	evaluator abaco.Evaluator
	delay     time.Duration
	mu        sync.Mutex
	w         *bufio.Writer
}

// flush writes the buffered lines; the consumer calls it before each
// acknowledgement, so an acknowledged item has always been printed.
func (p *printer) flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.Flush()
}

func (p *printer) handle(ctx context.Context, it abaco.Item) error {
	res, err := p.evaluator.Evaluate(ctx, it.Payload)
	if err != nil {
		var e *abaco.Error
		if errors.As(err, &e) && e.Code != abaco.CodeInternal && e.Code != abaco.CodeOverloaded {
			return queue.Permanent(fmt.Errorf("cannot evaluate %q: %w", it.Payload, err))
		}
		return err
	}
	if p.delay > 0 {
		t := time.NewTimer(p.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err() // shutting down: the item goes back to the queue
		}
	}
	line := "processed " + oneLine(it.Payload) + "\n"
	if res.Value != it.Payload {
		line = "processed " + oneLine(it.Payload) + " = " + res.Value + "\n"
	}
	// Buffered: flush (before the acknowledgement) writes it out.
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err = p.w.WriteString(line)
	return err
}
