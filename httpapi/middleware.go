package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/internal/version"
)

// requestID returns the id of the request w answers, or "" outside the
// middleware. When the client sent none, the first call makes one and sends
// it in X-Request-Id (if the headers are not written yet): ids are made only
// for the responses that need one, those with a problem or a log line, since
// every header is work for net/http on every response.
func requestID(w http.ResponseWriter) string {
	rec, ok := w.(*recorder)
	if !ok {
		return ""
	}
	if rec.id == "" {
		rec.setID(rec.ids.next())
	}
	return rec.id
}

// setID makes id the request's id and its X-Request-Id header.
func (r *recorder) setID(id string) {
	r.id = id
	r.idHeader[0] = id
	r.ResponseWriter.Header()["X-Request-Id"] = r.idHeader[:]
}

// setRoute records the route (the pattern without its method) that serves
// the request w answers, for its metrics.
func setRoute(w http.ResponseWriter, route string) {
	if rec, ok := w.(*recorder); ok {
		rec.route = route
	}
}

// idSource makes request ids: a random per-process prefix and a counter,
// unique without a random read per request.
type idSource struct {
	prefix string
	n      atomic.Uint64
}

func newIDSource() *idSource {
	var b [6]byte
	rand.Read(b[:])
	return &idSource{prefix: hex.EncodeToString(b[:]) + "-"}
}

func (s *idSource) next() string {
	var b [64]byte
	// Hexadecimal: strconv formats power-of-two bases with shifts, not
	// divisions.
	return string(strconv.AppendUint(append(b[:0], s.prefix...), s.n.Add(1), 16))
}

// validRequestID accepts a client's X-Request-Id when it is short and made
// of characters that are safe in logs and headers.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// recorder remembers the status and size of a response, and carries the
// request's id and route to the handlers and back to the middleware (one
// allocation per request for all of it, and no copy of the request).
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	id     string    // the request id, "" until one is needed (see requestID)
	ids    *idSource // where a new id comes from
	route  string
	// idHeader backs the X-Request-Id header's value, sparing it an
	// allocation of its own.
	idHeader [1]string
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// metrics are the API's Prometheus collectors.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// inflight counts the requests being answered, read by a GaugeFunc:
	// an atomic add is cheaper than a Gauge's compare-and-swap loop.
	inflight atomic.Int64
	// children caches the resolved series of each (route, method, status),
	// sparing the per-request label hashing of WithLabelValues; hot is the
	// series of the usual request, a 200 from POST /evaluate, which skips
	// even the map.
	children sync.Map // seriesKey -> series
	hot      series
}

type seriesKey struct {
	route, method string
	status        int
}

type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// observe counts one request and its duration.
func (m *metrics) observe(route, method string, status int, elapsed time.Duration) {
	s := m.hot
	if route != routeEvaluate || status != http.StatusOK || method != http.MethodPost {
		s = m.series(route, method, status)
	}
	s.requests.Inc()
	s.duration.Observe(elapsed.Seconds())
}

// series returns the resolved series of (route, method, status).
func (m *metrics) series(route, method string, status int) series {
	k := seriesKey{route, method, status}
	v, ok := m.children.Load(k)
	if !ok {
		v, _ = m.children.LoadOrStore(k, series{
			requests: m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
			duration: m.duration.WithLabelValues(route, method),
		})
	}
	return v.(series)
}

// buildInfo is the gauge abaco_build_info: always 1, its labels say which
// build is running (the Prometheus convention for build information).
func buildInfo(v version.Info) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "abaco_build_info",
		Help: "Always 1; the labels name the running build of abaco.",
		ConstLabels: prometheus.Labels{
			"version": v.Version, "revision": v.Revision, "goversion": v.GoVersion,
		},
	})
	g.Set(1)
	return g
}

// BuildInfo returns abaco_build_info for build v, for the registries that
// the API does not serve (abaco worker's --metrics-addr).
func BuildInfo(v version.Info) prometheus.Collector { return buildInfo(v) }

func newMetrics(reg prometheus.Registerer, build version.Info) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "abaco_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "abaco_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
	}
	inflight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "abaco_http_requests_in_flight",
		Help: "HTTP requests being answered.",
	}, func() float64 { return float64(m.inflight.Load()) })
	reg.MustRegister(m.requests, m.duration, inflight, buildInfo(build))
	m.hot = m.series(routeEvaluate, http.MethodPost, http.StatusOK)
	return m
}

// observe echoes the client's X-Request-Id when it is sane (see requestID
// for the ids it makes), counts and times every request by route, method
// and status, and logs it: always when it failed (4xx at info, 503 at warn,
// other 5xx at error level), and when it succeeded only with LogRequests,
// since a log line per request weighs on the hot path.
func (s *Server) observe(next http.Handler) http.Handler {
	ids := newIDSource()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, ids: ids, route: "unmatched"}
		if id := r.Header.Get("X-Request-Id"); validRequestID(id) {
			rec.setID(id)
		} else if s.logRequests {
			rec.setID(ids.next()) // every response will have a log line
		}
		s.metrics.inflight.Add(1)
		defer s.metrics.inflight.Add(-1)
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.observe(rec.route, methodLabel(r.Method), rec.status, elapsed)
		level := slog.LevelInfo
		switch {
		case rec.status == http.StatusServiceUnavailable:
			// A dependency is down (Redis, seen by every /readyz probe):
			// worth a warning, not an error line per probe.
			level = slog.LevelWarn
		case rec.status >= 500:
			level = slog.LevelError
		case rec.status == http.StatusTooManyRequests:
			// A refusal of the limits: a flood would write a line per
			// refused request, so it is counted in the metrics and
			// logged only at debug.
			level = slog.LevelDebug
		case rec.status >= 400:
		case !s.logRequests:
			return
		}
		// The record goes straight to the handler: Logger.LogAttrs would
		// also capture the caller's program counter, a stack walk per
		// request that the JSON output never shows.
		h := s.logger.Handler()
		ctx := r.Context()
		if !h.Enabled(ctx, level) {
			return
		}
		line := slog.NewRecord(start, level, "request", 0)
		line.AddAttrs(
			slog.String("request_id", requestID(rec)),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Int64("duration_us", elapsed.Microseconds()),
		)
		h.Handle(ctx, line)
	})
}

// recoverPanics answers a panicking handler with a 500 problem and logs the
// panic with its stack, instead of dropping the connection.
// http.ErrAbortHandler keeps its meaning: abort the response silently.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.logger.LogAttrs(r.Context(), slog.LevelError, "panic",
				slog.String("request_id", requestID(w)),
				slog.Any("panic", v),
				slog.String("stack", string(debug.Stack())),
			)
			if rec, ok := w.(*recorder); ok && rec.status != 0 {
				return // the response has started; nothing sane can be added
			}
			// Not writeProblem: the panic line above already says what
			// writeProblem would log of an internal error.
			p := newProblem(abaco.Errorf(abaco.CodeInternal, "panic: %v", v))
			p.RequestID = requestID(w)
			s.sendProblem(w, r, p)
		}()
		next.ServeHTTP(w, r)
	})
}

// methodLabel bounds the method label to the standard methods, so odd
// requests cannot create metric series without end.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "OTHER"
}
