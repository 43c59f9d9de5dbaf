package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/httpapi"
	buildinfo "abaco/internal/version" // "version" is main's -ldflags variable
	"abaco/queue"
	"abaco/rdb"
)

// consumeFlags are the runtime flags of the commands that consume a queue
// (consume and worker), defined once so that both are run the same way.
type consumeFlags struct {
	url                             string
	queueRedisURL                   string // the queue's Redis when apart from url's
	concurrency, maxAttempts, batch int
	backoff, maxBackoff, heartbeat  time.Duration
	metricsAddr                     string
	log                             logFlags
	limits                          expr.Limits
}

// runtimeFlags defines the consumeFlags on fs; concurrency is the
// command's default for --concurrency.
func runtimeFlags(fs *flag.FlagSet, env *Env, concurrency int) *consumeFlags {
	f := new(consumeFlags)
	redisURLVar(fs, env, &f.url, "required unless --queue-redis-url is set")
	queueRedisURLVar(fs, env, &f.queueRedisURL)
	intVar(fs, env, &f.concurrency, "concurrency", "ABACO_CONCURRENCY", concurrency, "items processed at once")
	intVar(fs, env, &f.batch, "batch", "ABACO_BATCH", 0, "most items leased per round trip (and waiting for a worker); 0 means 2*concurrency (256..1024), or for consume with a --delay, concurrency")
	intVar(fs, env, &f.maxAttempts, "max-attempts", "ABACO_MAX_ATTEMPTS", queue.DefaultMaxAttempts, "deliveries of a failing item before it becomes a dead letter")
	durationVar(fs, env, &f.backoff, "backoff", "ABACO_BACKOFF", queue.DefaultMinBackoff, "wait before the first retry; doubles per attempt")
	durationVar(fs, env, &f.maxBackoff, "max-backoff", "ABACO_MAX_BACKOFF", queue.DefaultMaxBackoff, "longest wait between retries")
	durationVar(fs, env, &f.heartbeat, "heartbeat", "ABACO_HEARTBEAT", time.Second, "heartbeat and reaper period; a consumer is dead after 3 missed beats")
	stringVar(fs, env, &f.metricsAddr, "metrics-addr", "ABACO_METRICS_ADDR", "", "serve Prometheus /metrics on this address (e.g. :9101); empty means off")
	logVars(fs, env, &f.log)
	limitVars(fs, env, &f.limits)
	return f
}

// options are the consumer options the flags set, for queue q.
func (f *consumeFlags) options(q string, log *slog.Logger, reg prometheus.Registerer) queue.Options {
	return queue.Options{
		Queue: q, Concurrency: f.concurrency, Batch: f.batch, MaxAttempts: f.maxAttempts,
		MinBackoff: f.backoff, MaxBackoff: f.maxBackoff, Heartbeat: f.heartbeat,
		Registerer: reg, Logger: log,
	}
}

// running logs the start-up line of consumer command cmd on queue q:
// what it consumes, how, and from which Redis (without its password),
// then the attributes attrs.
func (f *consumeFlags) running(log *slog.Logger, cmd, q string, attrs ...any) {
	log.Info("abaco "+cmd+" running", append([]any{"queue", q, "concurrency", f.concurrency,
		"redis", rdb.Redact(queueURL(f.url, f.queueRedisURL))}, attrs...)...)
}

// validate checks the parsed flags.
func (f *consumeFlags) validate() error {
	if f.concurrency < 1 || f.maxAttempts < 1 || f.batch < 0 || f.heartbeat <= 0 || f.backoff < 0 || f.maxBackoff < 0 {
		return usageErrorf("--concurrency and --max-attempts must be >= 1, --heartbeat > 0, " +
			"--batch, --backoff and --max-backoff not negative")
	}
	if err := f.log.check(); err != nil {
		return err
	}
	return checkLimits(f.limits)
}

// open parses args for the consumer command cmd, validates them (with
// the queue name q, which args may set) and opens Redis, the logger and,
// with --metrics-addr, the metrics endpoint.
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
	log, reg, err := f.observe(ctx, env)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := openWaitRedis(cmd, queueURL(f.url, f.queueRedisURL), log)
	if err != nil {
		return nil, nil, nil, err
	}
	rdb.NewPolicyWatch(c, log, reg).Start(ctx) // the queue lives in this Redis
	return c, log, reg, nil
}

// cacheStore returns a worker's shared cache tier and the flushes of its
// Redis (so DELETE /cache on a serve empties the worker's in-process tier
// too): the Redis of --redis-url, which is c, the queue's, unless
// --queue-redis-url names another one; nil for both (the in-process tier
// only) without --redis-url. A cache Redis of its own is opened as serve
// opens its: the worker runs without it until it answers. release releases
// what cacheStore opened.
func (f *consumeFlags) cacheStore(c *rdb.Client, log *slog.Logger) (store abaco.Store, flushes cache.Flushes, release func(), err error) {
	switch {
	case f.url == "":
		return nil, nil, func() {}, nil
	case f.queueRedisURL == "" || f.queueRedisURL == f.url:
		return rdb.NewStore(c), rdb.NewFlushes(c), func() {}, nil
	}
	cc, err := openServeRedis(f.url, log)
	if err != nil {
		return nil, nil, nil, err
	}
	return rdb.NewStore(cc), rdb.NewFlushes(cc), cc.Close, nil
}

// observe returns the logger (on stderr) and, with --metrics-addr, a
// registry served on that address until ctx is done.
func (f *consumeFlags) observe(ctx context.Context, env *Env) (*slog.Logger, prometheus.Registerer, error) {
	log, err := f.log.logger(env.Stderr)
	if err != nil {
		return nil, nil, err
	}
	if f.metricsAddr == "" {
		return log, nil, nil
	}
	// The same process-wide families as serve's /metrics, so one
	// dashboard and one set of alerts cover both.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), httpapi.BuildInfo(buildinfo.Resolve(version)))
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
