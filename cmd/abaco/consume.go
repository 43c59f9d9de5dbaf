package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/queue"
	"abaco/rdb"
)

// consumeFlags are the runtime flags consume and worker share.
type consumeFlags struct {
	url                             string
	concurrency, maxAttempts, batch int
	backoff, maxBackoff, heartbeat  time.Duration
	metricsAddr, logLevel           string
	limits                          expr.Limits
}

// runtimeFlags defines the consumeFlags on fs; concurrency is the
// command's default for --concurrency.
func runtimeFlags(fs *flag.FlagSet, env *Env, concurrency int) *consumeFlags {
	f := new(consumeFlags)
	redisURLVar(fs, env, &f.url, "required")
	intVar(fs, env, &f.concurrency, "concurrency", "ABACO_CONCURRENCY", concurrency, "items processed at once")
	intVar(fs, env, &f.batch, "batch", "ABACO_BATCH", 0, "most items leased per round trip (and waiting for a worker); 0 means 2*concurrency (256..1024), or for consume with a --delay, concurrency")
	intVar(fs, env, &f.maxAttempts, "max-attempts", "ABACO_MAX_ATTEMPTS", queue.DefaultMaxAttempts, "deliveries of a failing item before it becomes a dead letter")
	durationVar(fs, env, &f.backoff, "backoff", "ABACO_BACKOFF", queue.DefaultMinBackoff, "wait before the first retry; doubles per attempt")
	durationVar(fs, env, &f.maxBackoff, "max-backoff", "ABACO_MAX_BACKOFF", queue.DefaultMaxBackoff, "longest wait between retries")
	durationVar(fs, env, &f.heartbeat, "heartbeat", "ABACO_HEARTBEAT", time.Second, "heartbeat and reaper period; a consumer is dead after 3 missed beats")
	stringVar(fs, env, &f.metricsAddr, "metrics-addr", "ABACO_METRICS_ADDR", "", "serve Prometheus /metrics on this address (e.g. :9101); empty means off")
	stringVar(fs, env, &f.logLevel, "log-level", "ABACO_LOG_LEVEL", "warn", "debug, info, warn or error (logs go to stderr)")
	limitVars(fs, env, &f.limits)
	return f
}

func (f *consumeFlags) options(q string, log *slog.Logger, reg prometheus.Registerer) queue.Options {
	return queue.Options{
		Queue: q, Concurrency: f.concurrency, Batch: f.batch, MaxAttempts: f.maxAttempts,
		MinBackoff: f.backoff, MaxBackoff: f.maxBackoff, Heartbeat: f.heartbeat,
		Registerer: reg, Logger: log,
	}
}

// validate checks the parsed flags.
func (f *consumeFlags) validate() error {
	if f.concurrency < 1 || f.maxAttempts < 1 || f.batch < 0 || f.heartbeat <= 0 || f.backoff < 0 || f.maxBackoff < 0 {
		return usageErrorf("--concurrency and --max-attempts must be >= 1, --heartbeat > 0, " +
			"--batch, --backoff and --max-backoff not negative")
	}
	if _, err := parseLevel(f.logLevel); err != nil {
		return usageError{msg: err.Error()}
	}
	return checkLimits(f.limits)
}

// open parses args for the consumer command cmd, validates them (with
// the queue name q, which args may set) and opens Redis, the logger and (with --metrics-addr) the metrics endpoint.
func (f *consumeFlags) open(ctx context.Context, env *Env, fs *flag.FlagSet, args []string, cmd string, q *string) (*rdb.Client, *slog.Logger, prometheus.Registerer, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, nil, usageErrorf("unexpected arguments %q", fs.Args())
	}
	if err := f.validate(); err != nil {
		return nil, nil, nil, err
	}
	if err := checkQueueName(*q); err != nil {
		return nil, nil, nil, err
	}
	c, err := openRedis(cmd, f.url)
	if err != nil {
		return nil, nil, nil, err
	}
	log, reg, err := f.observe(ctx, env)
	if err != nil {
		c.Close()
		return nil, nil, nil, err
	}
	return c, log, reg, nil
}

// observe returns the logger (text on stderr) and, with --metrics-addr, a
// registry served on that address until ctx is done.
func (f *consumeFlags) observe(ctx context.Context, env *Env) (*slog.Logger, prometheus.Registerer, error) {
	level, _ := parseLevel(f.logLevel)
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	if f.metricsAddr == "" {
		return log, nil, nil
	}
	reg := prometheus.NewRegistry()
	ln, err := net.Listen("tcp", f.metricsAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	context.AfterFunc(ctx, func() { srv.Close() })
	log.Info("metrics listening", "addr", ln.Addr().String())
	return log, reg, nil
}

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
  abaco consume --delay 0 --concurrency 8`)
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
	h := &printer{ev: cache.New(expr.New(f.limits), cache.Options{}), delay: delay, w: bufio.NewWriter(env.Stdout)}
	o.BeforeAck = h.flush
	return queue.NewConsumer(rdb.NewBroker(c), h.handle, o).Run(ctx)
}

// printer is consume's handler: evaluate, wait the delay, print a line.
type printer struct {
	ev    abaco.Evaluator
	delay time.Duration
	mu    sync.Mutex
	w     *bufio.Writer
}

// flush writes the buffered lines; the consumer calls it before each
// acknowledgement, so an acknowledged item has always been printed.
func (p *printer) flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.Flush()
}

func (p *printer) handle(ctx context.Context, it abaco.Item) error {
	res, err := p.ev.Evaluate(ctx, it.Payload)
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
	line := "processed " + it.Payload + "\n"
	if res.Value != it.Payload {
		line = "processed " + it.Payload + " = " + res.Value + "\n"
	}
	// Buffered: flush (before the acknowledgement) writes it out.
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err = p.w.WriteString(line)
	return err
}
