package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/trace"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/httpapi"
	"abaco/inmem"
	buildinfo "abaco/internal/version" // "version" is main's -ldflags variable
	"abaco/queue"
	"abaco/rdb"
)

// serveConfig is everything `abaco serve` can be told, from flags or their
// environment fallbacks. Tests build one directly.
type serveConfig struct {
	Addr              string
	RedisURL          string
	CacheTTL          time.Duration
	CacheEntries      int
	CacheBytes        int
	RedisTimeout      time.Duration
	AdminToken        string
	MaxBodyBytes      int
	MaxConcurrent     int
	MaxHeaderBytes    int
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	Workers           int
	JobTTL            time.Duration
	// Log is the log level and format; a zero Format means JSON.
	Log         logFlags
	LogRequests bool
	// ReadyRequiresRedis makes /readyz answer 503 during a Redis outage;
	// false, the default, answers 200 with status degraded.
	ReadyRequiresRedis bool
	// Jobs enables POST /jobs and GET /jobs/{id}; false makes a cache-only
	// server, for which an evicting Redis maxmemory-policy is right.
	Jobs bool
	// Limits bounds each evaluation; the zero value means the engine's defaults.
	Limits expr.Limits
	// getenv reads the OTEL_* variables of tracing; nil means none.
	getenv func(string) string
	// MaxQueuedJobs bounds the jobs waiting in the queue (shared by every
	// server on one Redis); 0 means no bound.
	MaxQueuedJobs int
	// JobRate and JobBurst are the per-client token bucket of POST /jobs;
	// a JobRate of 0 disables it.
	JobRate  float64
	JobBurst int
	// QueueRedisURL names the Redis of the job queue and job records when
	// they live apart from the cache's; empty means RedisURL's.
	QueueRedisURL string
	// JobsDurability is the barrier POST /jobs waits for before it answers
	// 202 (see rdb.Durability); the zero value, none, answers once the
	// Redis master has the job. A barrier needs Redis.
	JobsDurability rdb.Durability
	// MaxJobWait caps the long wait of GET /jobs; MaxJobWaiters bounds
	// the requests waiting at once.
	MaxJobWait    time.Duration
	MaxJobWaiters int
	// CORSOrigins lists, comma-separated, the origins whose web pages may
	// call the public API ("*": any); empty means CORS off.
	CORSOrigins string
}

func parseServeFlags(env *Env, args []string) (serveConfig, error) {
	fs := newFlagSet(env, "serve", "abaco serve [flags]",
		`Serves the HTTP API: POST /evaluate {"expressao": "2+2"}, POST /evaluate/batch
{"expressoes": [...]}, POST /jobs, GET /jobs/{id}, DELETE /cache, /healthz,
/readyz, /metrics, /openapi.json and the docs at /docs.

With REDIS_URL set, results are cached in Redis (shared by every abaco process)
behind the in-process tier, and jobs go through Redis, run by job workers in
this process and by any "abaco worker" on the same Redis (--workers 0 leaves
them all to dedicated workers). Without it everything is embedded: an
in-process cache and an in-process job queue with workers in this process.

Examples:
  abaco serve
  REDIS_URL=redis://localhost:6379 ABACO_ADMIN_TOKEN=secret abaco serve --addr :8080
  curl -s localhost:8000/evaluate -H 'Content-Type: application/json' -d '{"expressao": "2+2"}'

`+tracingHelp)
	var c serveConfig
	stringVar(fs, env, &c.Addr, "addr", "ABACO_ADDR", ":8000", "listen address")
	redisURLVar(fs, env, &c.RedisURL, "empty means embedded cache and queue")
	queueRedisURLVar(fs, env, &c.QueueRedisURL)
	durationVar(fs, env, &c.CacheTTL, "cache-ttl", "ABACO_CACHE_TTL", cache.DefaultTTL, "how long results and deterministic errors are cached")
	intVar(fs, env, &c.CacheEntries, "cache-entries", "ABACO_CACHE_ENTRIES", cache.DefaultLocalEntries, "entries kept in the in-process cache tier")
	intVar(fs, env, &c.CacheBytes, "cache-bytes", "ABACO_CACHE_BYTES", cache.DefaultLocalBytes, "bound on the estimated memory of the in-process tier's entries, in bytes (and separately of the input texts it remembers); 0 means the default")
	durationVar(fs, env, &c.RedisTimeout, "redis-timeout", "ABACO_REDIS_TIMEOUT", cache.DefaultSharedTimeout, "timeout of each shared-cache operation; past it the request is evaluated without Redis")
	secretVar(fs, env, &c.AdminToken, "admin-token", "ABACO_ADMIN_TOKEN", "bearer `token` for DELETE /cache; empty disables it")
	intVar(fs, env, &c.MaxBodyBytes, "max-body-bytes", "ABACO_MAX_BODY_BYTES", httpapi.DefaultMaxBodyBytes, "largest accepted request body (413 above)")
	intVar(fs, env, &c.MaxConcurrent, "max-concurrent", "ABACO_MAX_CONCURRENT", 256, "evaluations running at once (429 above)")
	intVar(fs, env, &c.MaxHeaderBytes, "max-header-bytes", "ABACO_MAX_HEADER_BYTES", 16<<10, "largest accepted request header block")
	durationVar(fs, env, &c.ReadHeaderTimeout, "read-header-timeout", "ABACO_READ_HEADER_TIMEOUT", 5*time.Second, "time to read a request's headers")
	durationVar(fs, env, &c.ReadTimeout, "read-timeout", "ABACO_READ_TIMEOUT", 10*time.Second, "time to read a whole request")
	durationVar(fs, env, &c.WriteTimeout, "write-timeout", "ABACO_WRITE_TIMEOUT", 15*time.Second, "time to answer a request, from the end of its headers")
	durationVar(fs, env, &c.IdleTimeout, "idle-timeout", "ABACO_IDLE_TIMEOUT", 60*time.Second, "how long an idle keep-alive connection is kept")
	durationVar(fs, env, &c.ShutdownTimeout, "shutdown-timeout", "ABACO_SHUTDOWN_TIMEOUT", 15*time.Second, "on SIGTERM/SIGINT, how long in-flight requests may take to finish")
	intVar(fs, env, &c.Workers, "workers", "ABACO_WORKERS", queue.DefaultJobWorkers, "job workers in this process, each running a batch of jobs at a time (abaco worker --help says why a few suffice); 0 leaves the jobs to abaco worker processes on the same Redis")
	durationVar(fs, env, &c.JobTTL, "job-ttl", "ABACO_JOB_TTL", queue.DefaultResultTTL, "how long a job and its result are kept after its last change")
	logVars(fs, env, &c.Log)
	boolVar(fs, env, &c.LogRequests, "log-requests", "ABACO_LOG_REQUESTS", false, "log a line for every request, not only for failed ones")
	boolVar(fs, env, &c.ReadyRequiresRedis, "ready-requires-redis", "ABACO_READY_REQUIRES_REDIS", false, "answer /readyz 503 while Redis is unreachable; by default it answers 200 with status degraded, since /evaluate answers without Redis")
	boolVar(fs, env, &c.Jobs, "jobs", "ABACO_JOBS", true, "accept evaluation jobs (POST /jobs); false makes a cache-only server: /jobs answers 404, no workers run, and an evicting Redis maxmemory-policy (allkeys-lru, what a cache wants) is not warned about")
	durationVar(fs, env, &c.MaxJobWait, "max-job-wait", "ABACO_MAX_JOB_WAIT", httpapi.DefaultMaxWait, "longest wait GET /jobs may ask for (?wait=30s, Prefer: wait=30); longer ones are cut to it")
	intVar(fs, env, &c.MaxJobWaiters, "max-job-waiters", "ABACO_MAX_JOB_WAITERS", httpapi.DefaultMaxWaiters, "GET /jobs requests waiting at once; past it they answer at once")
	stringVar(fs, env, &c.CORSOrigins, "cors-origins", "ABACO_CORS_ORIGINS", "", "comma-separated origins (https://app.example) whose web pages may call the public API (POST /evaluate and /evaluate/batch, /jobs, /openapi.json, /problems), never DELETE /cache or the job listing; * allows any; empty means CORS off")
	limitVars(fs, env, &c.Limits)
	intakeVars(fs, env, &c)
	durabilityVars(fs, env, &c.JobsDurability, "jobs-durability", "ABACO_JOBS_DURABILITY", "POST /jobs")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if err := checkLimits(c.Limits); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usageErrorf("unexpected arguments %q", fs.Args())
	}
	if err := c.Log.check(); err != nil {
		return c, err
	}
	if c.MaxQueuedJobs < 0 || c.JobRate < 0 || c.JobBurst < 1 {
		return c, usageErrorf("--max-queued-jobs and --job-rate must be 0 or more, --job-burst 1 or more")
	}
	if err := checkDurability(c.JobsDurability, "jobs-durability", queueURL(c.RedisURL, c.QueueRedisURL)); err != nil {
		return c, err
	}
	c.getenv = env.Getenv
	return c, nil
}

// durabilityVars defines the flags of a durability barrier, name (none or
// replicas:N) and name-timeout, with the environment fallbacks key and
// key_TIMEOUT, for the writes of what.
func durabilityVars(fs *flag.FlagSet, env *Env, d *rdb.Durability, name, key, what string) {
	define := func(p *int, name string, v int, usage string) {
		*p = v
		fs.Var((*replicasValue)(p), name, usage)
	}
	envVar(fs, env, &d.Replicas, name, key, 0, "none, or replicas:N to make "+what+" wait until N Redis replicas "+
		"acknowledge each write (Redis WAIT), failing with 503 unavailable when fewer do within --"+name+"-timeout; "+
		"the write may still exist then (default none)", rdb.ParseReplicas, define)
	durationVar(fs, env, &d.Timeout, name+"-timeout", key+"_TIMEOUT", rdb.DefaultDurabilityTimeout,
		"how long "+what+" waits for the replicas of --"+name)
}

// replicasValue is the flag.Value of a barrier's mode: none or replicas:N.
type replicasValue int

func (v *replicasValue) String() string { return rdb.FormatReplicas(int(*v)) }

func (v *replicasValue) Set(s string) error {
	n, err := rdb.ParseReplicas(s)
	*v = replicasValue(n)
	return err
}

// checkDurability refuses a barrier without Redis (the embedded broker has
// no replicas to wait for, and would wait in vain) and a timeout under
// WAIT's millisecond resolution.
func checkDurability(d rdb.Durability, name, redisURL string) error {
	switch {
	case d.Replicas > 0 && redisURL == "":
		return usageErrorf("--%s %s needs Redis (REDIS_URL): the embedded queue has no replicas", name, rdb.FormatReplicas(d.Replicas))
	case d.Timeout < time.Millisecond:
		return usageErrorf("--%s-timeout must be at least 1ms", name)
	}
	return nil
}

// intakeVars defines the flags that bound POST /jobs.
func intakeVars(fs *flag.FlagSet, env *Env, c *serveConfig) {
	intVar(fs, env, &c.MaxQueuedJobs, "max-queued-jobs", "ABACO_MAX_QUEUED_JOBS", queue.DefaultMaxQueuedJobs,
		"jobs that may wait in the queue, shared by every server on one Redis (POST /jobs answers 429 queue_full above); 0 means no bound")
	parseFloat := func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
	envVar(fs, env, &c.JobRate, "job-rate", "ABACO_JOB_RATE", httpapi.DefaultJobRate,
		"POST /jobs a second allowed per client address once its burst is spent (429 rate_limited above); 0 disables the limit", parseFloat, fs.Float64Var)
	intVar(fs, env, &c.JobBurst, "job-burst", "ABACO_JOB_BURST", httpapi.DefaultJobBurst, "POST /jobs one client address may send at once")
}

// maxQueued is the queue's MaxQueued for the --max-queued-jobs flag,
// whose 0 means no bound.
func (c serveConfig) maxQueued() int {
	if c.MaxQueuedJobs == 0 {
		return -1
	}
	return c.MaxQueuedJobs
}

// runServe runs the API until ctx is cancelled (SIGTERM/SIGINT), then
// drains in-flight requests.
func runServe(ctx context.Context, env *Env, args []string) error {
	cfg, err := parseServeFlags(env, args)
	if err != nil {
		return err
	}
	s, err := newServer(cfg, env.Stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Listen(); err != nil {
		return err
	}
	return s.Run(ctx)
}

// server is a wired `abaco serve`: engine -> cache -> HTTP API, plus the
// job service and its in-process workers. Tests create one with Addr
// "127.0.0.1:0", Listen, read Addr and Run.
type server struct {
	cfg     serveConfig
	log     *slog.Logger
	logBuf  *bufferedLog
	redis   *rdb.Client
	policy  *rdb.PolicyWatch // the maxmemory-policy of a Redis holding jobs, or nil
	cache   *cache.Cache
	jobs    *queue.Jobs
	workers int
	http    *http.Server
	ln      net.Listener
	// queueRedis is the Redis of --queue-redis-url, or nil.
	queueRedis *rdb.Client
	// endTracing flushes the last spans.
	endTracing func()
}

// newServer wires the service. With a Redis URL it fails when the URL
// cannot be parsed or Redis refuses the login, but not when Redis does not
// answer: it serves without Redis until Redis answers.
func newServer(cfg serveConfig, logOut io.Writer) (*server, error) {
	logBuf := newBufferedLog(logOut, 100*time.Millisecond)
	log, err := cfg.Log.logger(logBuf)
	if err != nil {
		logBuf.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	s := &server{cfg: cfg, log: log, logBuf: logBuf, endTracing: func() {}}
	var tp trace.TracerProvider
	if cfg.getenv != nil {
		// The console exporter's spans go through the log's buffer, so
		// that they and the log lines come out whole.
		if tp, s.endTracing, err = openTracing(cfg.getenv, logBuf, log); err != nil {
			logBuf.Close()
			return nil, err
		}
	}
	var shared abaco.Store
	var flushes cache.Flushes // a flush here reaches every serve on the Redis
	if cfg.RedisURL != "" {
		if s.redis, err = openServeRedis(cfg.RedisURL, log); err != nil {
			logBuf.Close()
			return nil, err
		}
		shared = rdb.NewStore(s.redis)
		flushes = rdb.NewFlushes(s.redis)
	}
	broker, err := s.openBroker(reg)
	if err != nil {
		s.Close()
		return nil, err
	}
	ev := cache.New(expr.New(cfg.Limits), cache.Options{
		TTL:             cfg.CacheTTL,
		Shared:          shared,
		Flushes:         flushes,
		MaxLocalEntries: cfg.CacheEntries,
		MaxLocalBytes:   int64(cfg.CacheBytes),
		SharedTimeout:   cfg.RedisTimeout,
		Registerer:      reg,
		Logger:          log,
		Tracing:         tp,
	})
	s.cache = ev
	s.jobs = queue.NewJobs(broker, ev, queue.JobOptions{ResultTTL: cfg.JobTTL, MaxQueued: cfg.maxQueued(),
		Registerer: reg, Logger: log, Tracing: tp})
	s.workers = cfg.Workers
	if s.workers < 0 {
		s.workers = queue.DefaultJobWorkers // -1 meant "the default" before it was a number
	}
	var jobs abaco.JobService = s.jobs
	if !cfg.Jobs {
		jobs, s.workers = nil, 0
	}
	var degradations func() []httpapi.Degradation
	if cfg.RedisURL != "" || s.jobsURL() != "" {
		degradations = s.degradations
	}
	api := httpapi.New(httpapi.Config{
		Evaluator:                ev,
		Cache:                    ev,
		Jobs:                     jobs,
		Degradations:             degradations,
		AdminToken:               cfg.AdminToken,
		MaxBodyBytes:             int64(cfg.MaxBodyBytes),
		MaxConcurrent:            cfg.MaxConcurrent,
		Registry:                 reg,
		Logger:                   log,
		LogRequests:              cfg.LogRequests,
		ReadyRequiresSharedCache: cfg.ReadyRequiresRedis,
		JobRate:                  cfg.JobRate,
		JobBurst:                 cfg.JobBurst,
		MaxWait:                  cfg.MaxJobWait,
		MaxWaiters:               cfg.MaxJobWaiters,
		CORSOrigins:              strings.Split(cfg.CORSOrigins, ","),
		Build:                    buildinfo.Resolve(version),
		Tracing:                  tp,
	})
	s.http = &http.Server{
		Addr:              cfg.Addr,
		Handler:           api,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Shutdown would wait for every long wait of GET /jobs to end; this
	// answers them at once when it begins.
	s.http.RegisterOnShutdown(api.Shutdown)
	return s, nil
}

// jobsURL is the URL of the Redis that holds the jobs, or "" for the
// embedded broker.
func (s *server) jobsURL() string { return queueURL(s.cfg.RedisURL, s.cfg.QueueRedisURL) }

// openBroker returns the jobs' broker: the Redis of --queue-redis-url
// when set, else the cache's Redis, else the embedded broker. With jobs on
// it watches that Redis's maxmemory-policy, since an evicting one deletes
// queued jobs; the cache's Redis may then evict, as a cache should.
func (s *server) openBroker(reg prometheus.Registerer) (abaco.Broker, error) {
	c := s.redis
	if s.cfg.QueueRedisURL != "" && s.cfg.Jobs {
		var err error
		if s.queueRedis, err = openServeRedis(s.cfg.QueueRedisURL, s.log); err != nil {
			return nil, err
		}
		c = s.queueRedis
	}
	if c == nil {
		return inmem.NewBroker(), nil
	}
	if s.cfg.Jobs {
		s.policy = rdb.NewPolicyWatch(c, s.log, reg)
	}
	return rdb.NewBroker(c).WithDurability(s.cfg.JobsDurability), nil
}

// degradations are the Redis conditions /readyz reports besides an
// unreachable Redis: writes refused, and an evicting maxmemory-policy
// where jobs live.
func (s *server) degradations() []httpapi.Degradation {
	var d []httpapi.Degradation
	if since, reason := s.cache.WritesRefused(); !since.IsZero() {
		d = append(d, httpapi.Degradation{Dependency: "redis", Condition: httpapi.ConditionWritesRefused, Since: since, Reason: reason})
	}
	if s.policy == nil {
		return d
	}
	if since, reason := s.policy.Degraded(); !since.IsZero() {
		d = append(d, httpapi.Degradation{Dependency: "redis", Condition: httpapi.ConditionEvictingPolicy, Since: since, Reason: reason})
	}
	return d
}

// Listen binds the listen address; with port 0, Addr tells which port.
func (s *server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.ln = ln
	return nil
}

// Addr is the bound address, after Listen.
func (s *server) Addr() string { return s.ln.Addr().String() }

// Run serves until ctx is done, then stops accepting connections, lets the
// in-flight requests finish within the shutdown timeout, and stops the job
// workers (which return their unfinished jobs to the queue).
func (s *server) Run(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	workersCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorkers()
	if s.policy != nil {
		s.policy.Start(workersCtx)
	}
	if s.cfg.Jobs {
		// Wakes the long waits of GET /jobs when their jobs finish;
		// listening before the first request is served.
		s.jobs.StartListen(workersCtx)
	}
	workersDone := make(chan error, 1)
	if s.workers > 0 {
		go func() { workersDone <- s.jobs.Run(workersCtx, s.workers) }()
	} else {
		workersDone <- nil
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(s.ln) }()
	s.log.Info("abaco serve listening", "addr", s.Addr(), "redis", rdb.Redact(s.cfg.RedisURL),
		"queue_redis", rdb.Redact(s.cfg.QueueRedisURL),
		"cache_ttl", s.cfg.CacheTTL.String(), "workers", s.workers, "admin", s.cfg.AdminToken != "",
		"jobs_durability", s.cfg.JobsDurability.String())

	var err error
	select {
	case err = <-serveErr:
		err = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		s.log.Info("shutting down: draining in-flight requests", "timeout", s.cfg.ShutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		if serr := s.http.Shutdown(sctx); serr != nil {
			err = fmt.Errorf("shutdown: %w", serr)
		}
		cancel()
	}
	stopWorkers()
	if werr := <-workersDone; werr != nil && !errors.Is(werr, context.Canceled) {
		err = errors.Join(err, fmt.Errorf("job workers: %w", werr))
	}
	s.log.Info("abaco serve stopped")
	return err
}

// Close writes the cache entries still on their way to Redis, then
// releases the Redis connections and the listener.
func (s *server) Close() error {
	if s.ln != nil {
		s.ln.Close()
	}
	if s.cache != nil {
		s.cache.Close()
	}
	if s.redis != nil {
		s.redis.Close()
	}
	if s.queueRedis != nil {
		s.queueRedis.Close()
	}
	s.endTracing()
	return s.logBuf.Close()
}
