// Package httpapi is abaco's HTTP API: POST /evaluate, the /jobs endpoints,
// DELETE /cache, /healthz, /readyz, /metrics, the OpenAPI 3.1 document at
// /openapi.json and the Swagger UI at /docs, served from assets embedded in
// the binary.
//
// It is the single place where errors become HTTP statuses (errors.go) and
// where requests are logged, counted and bounded. Its services (evaluator,
// cache administration, jobs) are passed in through Config; the package
// knows nothing of Redis or of the engine.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"

	"abaco"
	"abaco/internal/opt"
	"abaco/internal/version"
)

// CacheAdmin is what the API needs of the result cache beyond evaluation:
// emptying it and reporting whether its shared tier is reachable.
type CacheAdmin interface {
	// Flush removes every cache entry of abaco (and nothing else) in every
	// tier and reports how many were removed from the shared tier.
	Flush(ctx context.Context) (int64, error)
	// Ready returns nil when the cache can use its shared tier; it must
	// answer fast while that tier is down.
	Ready(ctx context.Context) error
	// Degraded returns since when the shared tier has been failing and
	// the last failure's text (for the logs); a zero since means it
	// answers. It must do no I/O.
	Degraded() (since time.Time, reason string)
}

// Config holds the dependencies and limits of the API. The zero value of
// each limit selects its default.
type Config struct {
	// Evaluator answers POST /evaluate; normally the cache. Required.
	Evaluator abaco.Evaluator
	// Cache serves DELETE /cache and /readyz. When nil, /readyz always
	// reports ready and DELETE /cache answers 404.
	Cache CacheAdmin
	// Jobs serves POST /jobs and GET /jobs/{id}. When nil, those answer 404.
	Jobs abaco.JobService
	// AdminToken is the bearer token DELETE /cache requires. Empty disables
	// DELETE /cache (it answers 404).
	AdminToken string
	// MaxBodyBytes bounds request bodies (413 above it). Zero means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxConcurrent bounds the evaluations running at once; a request over
	// the bound is answered 429 at once. Zero means 256.
	MaxConcurrent int
	// ReadyTimeout bounds the readiness check of /readyz. Zero means 1s.
	ReadyTimeout time.Duration
	// ReadyRequiresSharedCache makes /readyz answer 503 (code unavailable)
	// while the cache's shared tier is failing. False, the default,
	// answers 200 with status degraded, since /evaluate answers without
	// that tier.
	ReadyRequiresSharedCache bool
	// Degradations lists, for /readyz, the conditions other than an
	// unreachable shared cache (which Cache reports) that the server works
	// around: a Redis refusing writes, an evicting maxmemory-policy. It is
	// called on every /readyz and must do no I/O. Nil means none.
	Degradations func() []Degradation
	// RetryAfter is the Retry-After (seconds) sent with 429 and 503
	// answers. Zero means 1. A 429 of the rate limit says instead when
	// the client's next token comes.
	RetryAfter int
	// JobRate is how many POST /jobs a second one client (the host of
	// the remote address; an IPv6 /64) may send once its burst is spent,
	// and JobBurst how many it may send at once; more are answered 429
	// with code rate_limited. Zero JobRate disables the limit (abaco
	// serve defaults to DefaultJobRate and DefaultJobBurst); zero
	// JobBurst means DefaultJobBurst.
	JobRate  float64
	JobBurst int
	// MaxWait caps the wait a GET /jobs request may ask for (?wait=,
	// Prefer: wait=). Zero means DefaultMaxWait.
	MaxWait time.Duration
	// MaxWaiters bounds the requests waiting at once; past it they
	// answer at once. Zero means DefaultMaxWaiters.
	MaxWaiters int
	// Build names the running binary in abaco_build_info. The zero value
	// means version.Get() (no version set at build time).
	Build version.Info
	// Registry receives the HTTP metrics and abaco_build_info, and is
	// served at /metrics. Nil means a fresh registry with the Go and
	// process collectors.
	Registry *prometheus.Registry
	// Logger receives a line per failed request (and per request with
	// LogRequests), every internal error and every recovered panic. Nil
	// discards them.
	Logger *slog.Logger
	// LogRequests logs a line per successful request too. Failed requests
	// (4xx at info level, 503 at warn, other 5xx at error) are always
	// logged.
	LogRequests bool
	// CORSOrigins are the origins (https://app.example) whose pages may
	// call the public API from a browser: POST /evaluate, POST /jobs,
	// GET /jobs?ids=, GET and DELETE /jobs/{id}, /openapi.json and
	// /problems/{code}, never the administration. "*" allows any origin.
	// Empty, the default, sends no CORS headers.
	CORSOrigins []string
	// Tracing makes a server span per request (tracing.go), continuing
	// the client's W3C trace context; its context reaches the evaluator
	// and the job service. Nil, the default, makes none.
	Tracing trace.TracerProvider
}

// Server is the API's http.Handler.
type Server struct {
	ev          abaco.Evaluator
	cache       CacheAdmin
	jobs        abaco.JobService
	adminToken  string
	maxBody     int64
	running     atomic.Int64 // evaluations running, bounded by maxRunning
	maxRunning  int64
	readyTO     time.Duration
	readyStrict bool
	degraded    func() []Degradation
	retryAfter  int
	jobLimit    *clientLimiter // nil: no limit
	maxWait     time.Duration
	maxWaiters  int64
	waiters     atomic.Int64 // requests in a long wait
	// shutdownCtx ends when Shutdown is called, releasing the waits.
	shutdownCtx context.Context
	stopWaits   context.CancelFunc
	logger      *slog.Logger
	logRequests bool
	metrics     *metrics
	cors        *cors // nil: CORS off
	mux         *http.ServeMux
	handler     http.Handler
	openapi     []byte
	openapiPT   []byte // openapi in Portuguese (openapi_ptbr.go)
}

// New returns the API handler for cfg.
func New(cfg Config) *Server {
	s := &Server{
		ev:          cfg.Evaluator,
		cache:       cfg.Cache,
		jobs:        cfg.Jobs,
		adminToken:  cfg.AdminToken,
		maxBody:     cfg.MaxBodyBytes,
		readyTO:     cfg.ReadyTimeout,
		readyStrict: cfg.ReadyRequiresSharedCache,
		degraded:    cfg.Degradations,
		retryAfter:  cfg.RetryAfter,
		jobLimit:    newClientLimiter(cfg.JobRate, opt.Or(cfg.JobBurst, DefaultJobBurst), time.Now),
		logger:      cfg.Logger,
		logRequests: cfg.LogRequests,
		cors:        newCORS(cfg.CORSOrigins),
		mux:         http.NewServeMux(),
	}
	s.maxBody = opt.Or(s.maxBody, DefaultMaxBodyBytes)
	s.maxRunning = int64(opt.Or(cfg.MaxConcurrent, 256))
	s.readyTO = opt.Or(s.readyTO, time.Second)
	s.retryAfter = opt.Or(s.retryAfter, 1)
	s.logger = opt.Logger(s.logger)
	s.maxWait = opt.Or(cfg.MaxWait, DefaultMaxWait)
	s.maxWaiters = int64(opt.Or(cfg.MaxWaiters, DefaultMaxWaiters))
	s.shutdownCtx, s.stopWaits = context.WithCancel(context.Background())
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	build := cfg.Build
	if build == (version.Info{}) {
		build = version.Get()
	}
	s.metrics = newMetrics(reg, build)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "abaco_http_job_waiters",
		Help: "GET /jobs requests holding a wait for their jobs to finish (bounded by --max-job-waiters).",
	}, func() float64 { return float64(s.waiters.Load()) }))
	s.openapi = mustOpenAPI(s.maxBody)
	s.openapiPT = openAPIInPT(s.openapi)

	s.route("POST "+routeEvaluate, s.evaluate)
	s.route("POST "+routeEvaluateBatch, s.evaluateBatch)
	s.route("POST /jobs", s.submitJob)
	s.route("GET /jobs", s.listOrReadJobs)
	s.route("GET /jobs/{id}", s.getJob)
	s.route("DELETE /jobs/{id}", s.cancelJob)
	s.route("DELETE /cache", s.flushCache)
	s.route("GET /healthz", s.healthz)
	s.route("GET /readyz", s.readyz)
	s.route("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP)
	s.route("GET /openapi.json", s.serveOpenAPI)
	s.route("GET /problems/{code}", s.describeProblem)
	s.route("GET /docs", s.serveDocs)
	s.route("GET /docs/{file}", s.serveDocs)
	s.route("GET /docs/{$}", redirectToDocs)
	s.route("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/docs", http.StatusFound)
	})
	s.handler = s.recoverPanics(http.HandlerFunc(s.dispatch))
	if cfg.Tracing != nil {
		s.handler = traced(cfg.Tracing.Tracer("abaco/httpapi"), s.handler)
	}
	s.handler = s.observe(s.handler)
	return s
}

// redirectToDocs answers /docs/ with a permanent redirect to /docs, the
// page's one URL, keeping the query (?lang=pt-BR).
func redirectToDocs(w http.ResponseWriter, r *http.Request) {
	target := "/docs"
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// DefaultMaxBodyBytes bounds request bodies when Config.MaxBodyBytes is
// zero: far above the longest expression the engine accepts.
const DefaultMaxBodyBytes = 64 << 10

// routeEvaluate is the route of the hot path, POST /evaluate.
const routeEvaluate = "/evaluate"

// route registers a handler under a method pattern ("GET /jobs/{id}"). The
// pattern without its method is the route label of the handler's metrics
// (the method has a label of its own), worked out here once rather than
// per request. The public routes answer CORS when it is on (cors.go).
func (s *Server) route(pattern string, h http.HandlerFunc) {
	_, label, _ := strings.Cut(pattern, " ")
	public := publicRoutes[pattern]
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		setRoute(w, label)
		if public && s.cors != nil && publicRequest(pattern, r) {
			s.cors.headers(w, r)
		}
		h(w, r)
	})
}

// dispatch routes r. Requests the mux cannot route (unknown path, wrong
// method) are answered as problems instead of the mux's plain text.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	// The hot route skips the mux's pattern matching; it has no path values.
	if r.URL.Path == routeEvaluate && r.Method == http.MethodPost {
		setRoute(w, routeEvaluate)
		if s.cors != nil {
			s.cors.headers(w, r)
		}
		s.evaluate(w, r)
		return
	}
	if s.cors != nil && s.preflight(w, r) {
		return
	}
	if h, pattern := s.mux.Handler(r); pattern == "" {
		s.notRouted(w, r, h)
		return
	}
	s.mux.ServeHTTP(w, r) // the handler sets its route (see route)
}

// notRouted asks the mux's own handler for its verdict (404, or 405 with an
// Allow header) and answers it as a problem.
func (s *Server) notRouted(w http.ResponseWriter, r *http.Request, h http.Handler) {
	rec := &statusOnly{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.header.Get("Allow"))
		s.writeProblem(w, r, abaco.Errorf(codeMethodNotAllowed, "%s is not allowed on %s (allowed: %s)",
			r.Method, r.URL.Path, rec.header.Get("Allow")))
		return
	}
	s.writeProblem(w, r, abaco.Errorf(abaco.CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
}

// statusOnly is a ResponseWriter that keeps the status and headers and
// drops the body.
type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(code int)        { s.status = code }
