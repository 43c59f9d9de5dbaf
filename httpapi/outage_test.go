package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"abaco"
	"abaco/cache"
	"abaco/httpapi"
)

// These tests check only how the API answers what its services report: a
// result from the shared tier, a bypass while that tier is down, a backend
// that fails. What the cache reports during a real Redis outage is tested
// in package cache (redis_test.go), and abaco serve over a real Redis in
// cmd/abaco (serve_test.go).

// fixedEvaluator answers every expression with res and err.
type fixedEvaluator struct {
	res abaco.Result
	err error
}

func (f fixedEvaluator) Evaluate(context.Context, string) (abaco.Result, error) { return f.res, f.err }

// fakeCache is a CacheAdmin whose Flush and Ready fail with the given
// errors (nil: they succeed, and Flush reports removed entries) and whose
// Degraded reports since and reason.
type fakeCache struct {
	removed            int64
	flushErr, readyErr error
	since              time.Time
	reason             string
}

func (c fakeCache) Flush(context.Context) (int64, error)  { return c.removed, c.flushErr }
func (c fakeCache) Ready(context.Context) error           { return c.readyErr }
func (c fakeCache) Degraded() (since time.Time, r string) { return c.since, c.reason }

// fakeJobs is a JobService that answers every call with job and err.
type fakeJobs struct {
	job abaco.Job
	err error
}

func (j fakeJobs) Submit(context.Context, string) (abaco.Job, error) { return j.job, j.err }
func (j fakeJobs) Job(context.Context, string) (abaco.Job, error)    { return j.job, j.err }
func (j fakeJobs) SubmitBatch(_ context.Context, e []string, _ abaco.SubmitOptions) ([]abaco.Job, error) {
	return []abaco.Job{j.job}, j.err
}
func (j fakeJobs) Jobs(context.Context, []string) ([]abaco.Job, error) {
	return []abaco.Job{j.job}, j.err
}
func (j fakeJobs) Wait(context.Context, []string) ([]abaco.Job, error) {
	return []abaco.Job{j.job}, j.err
}
func (j fakeJobs) List(context.Context, abaco.JobFilter) (abaco.JobPage, error) {
	return abaco.JobPage{Jobs: []abaco.Job{j.job}}, j.err
}
func (j fakeJobs) Cancel(context.Context, string) (abaco.Job, error) { return j.job, j.err }

// errBackend is what a backend returns when Redis is down: an error
// without an abaco code, whose text is for the logs only.
var errBackend = errors.New("dial tcp 10.0.0.7:6379: connect: connection refused")

func TestEvaluateCacheTiers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		res    abaco.Result
		xcache string
		want   httpapi.Evaluation
	}{
		{"hit from the shared tier",
			abaco.Result{Expression: "2 + 2", Value: "4", Kind: abaco.KindInt, Cache: abaco.CacheHit, Tier: "shared"},
			"hit",
			httpapi.Evaluation{Resultado: "4", ExpressaoCanonica: "2 + 2", Repr: "4", Tipo: abaco.KindInt, Cache: abaco.CacheHit, Camada: "shared"}},
		{"bypass while the shared tier is down",
			abaco.Result{Expression: "6 * 7", Value: "42", Kind: abaco.KindInt, Cache: abaco.CacheBypass},
			"miss",
			httpapi.Evaluation{Resultado: "42", ExpressaoCanonica: "6 * 7", Repr: "42", Tipo: abaco.KindInt, Cache: abaco.CacheBypass}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) { c.Evaluator = fixedEvaluator{res: tt.res} })
			w := call(t, h, "POST", "/evaluate", evalBody(t, "2+2"))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
			var got httpapi.Evaluation
			decodeStrict(t, w, &got)
			if got != tt.want {
				t.Errorf("body %+v, want %+v", got, tt.want)
			}
			if x := w.Header().Get("X-Cache"); x != tt.xcache {
				t.Errorf("X-Cache %q, want %s", x, tt.xcache)
			}
		})
	}
}

// TestDependencyUnavailable checks that a request needing a backend that is
// down is answered 503 unavailable with Retry-After, and that the backend's
// error is logged but never shown to the client.
func TestDependencyUnavailable(t *testing.T) {
	t.Parallel()
	auth := []string{"Authorization", "Bearer tok"}
	tests := []struct {
		name         string
		cache        httpapi.CacheAdmin
		jobs         abaco.JobService
		method, path string
		body         string
		headers      []string
		logged       bool // the backend's error is in the log
		strict       bool // Config.ReadyRequiresSharedCache
	}{
		{name: "readyz with the shared tier unreachable, ready requires it", cache: fakeCache{readyErr: errBackend},
			method: "GET", path: "/readyz", strict: true},
		{name: "flush with a failing backend", cache: fakeCache{flushErr: errBackend},
			method: "DELETE", path: "/cache", headers: auth, logged: true},
		{name: "flush while the cache reports unavailable",
			cache:  fakeCache{flushErr: abaco.Errorf(abaco.CodeUnavailable, "flush: Redis is unavailable")},
			method: "DELETE", path: "/cache", headers: auth},
		{name: "submit with a failing broker", jobs: fakeJobs{err: errBackend},
			method: "POST", path: "/jobs", body: `{"expressao": "2+2"}`, logged: true},
		{name: "job status with a failing broker", jobs: fakeJobs{err: errBackend},
			method: "GET", path: "/jobs/j1", logged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) {
				if tt.cache != nil {
					c.Cache = tt.cache
				}
				c.Jobs = tt.jobs
				c.AdminToken = "tok"
				c.ReadyRequiresSharedCache = tt.strict
				c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			})
			w := call(t, h, tt.method, tt.path, tt.body, tt.headers...)
			problemOf(t, w, http.StatusServiceUnavailable, abaco.CodeUnavailable)
			if got := w.Header().Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After %q, want 1", got)
			}
			if strings.Contains(w.Body.String(), "refused") {
				t.Errorf("the backend's error reached the client: %s", w.Body.String())
			}
			if tt.logged && !strings.Contains(logs.String(), errBackend.Error()) {
				t.Errorf("the backend's error is not logged:\n%s", logs.String())
			}
		})
	}
}

// TestJobNotFinite checks that a done job whose value JSON cannot carry is
// shown failed with the problem POST /evaluate answers for it.
func TestJobNotFinite(t *testing.T) {
	t.Parallel()
	job := abaco.Job{ID: "j1", Expression: "1e308*10", State: abaco.JobDone, Attempts: 1,
		Result: &abaco.Result{Expression: "1e+308 * 10", Value: "inf", Kind: abaco.KindFloat, Cache: abaco.CacheMiss}}
	h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) { c.Jobs = fakeJobs{job: job} })
	w := call(t, h, "GET", "/jobs/j1", "")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	var st httpapi.JobStatus
	decodeStrict(t, w, &st)
	if st.Estado != abaco.JobFailed || st.Avaliacao != nil || st.Erro == nil {
		t.Fatalf("%+v, want a failed job with erro", st)
	}
	want := problemOf(t, call(t, h, "POST", "/evaluate", evalBody(t, "1e308*10")), 422, abaco.CodeNotFinite)
	got := *st.Erro
	if got.RequestID == "" || got.RequestID != w.Header().Get("X-Request-Id") {
		t.Errorf("erro request_id %q, header X-Request-Id %q", got.RequestID, w.Header().Get("X-Request-Id"))
	}
	got.RequestID, want.RequestID = "", ""
	if got != want {
		t.Errorf("job erro %+v, want what POST /evaluate answers: %+v", got, want)
	}
}

// TestReadyz checks that /readyz is 200 while the server can answer
// POST /evaluate, saying which dependency is degraded and since when, and
// 503 for a degraded shared cache only when ready requires it.
func TestReadyz(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	public := "the shared cache (Redis) is unreachable; requests are evaluated without it"
	tests := []struct {
		name   string
		cache  httpapi.CacheAdmin
		strict bool
		want   httpapi.Readiness
	}{
		{name: "shared tier answers", cache: fakeCache{}, want: httpapi.Readiness{Status: "ready"}},
		{name: "shared tier answers, ready requires it", cache: fakeCache{}, strict: true,
			want: httpapi.Readiness{Status: "ready"}},
		{name: "no cache", want: httpapi.Readiness{Status: "ready"}},
		{name: "shared tier failing",
			cache: fakeCache{readyErr: errBackend, since: since.Add(300 * time.Millisecond), reason: "ping: " + errBackend.Error()},
			want: httpapi.Readiness{Status: "degraded", Degraded: []httpapi.Degradation{
				{Dependency: "redis", Since: since, Reason: public}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) {
				c.Cache = tt.cache
				c.ReadyRequiresSharedCache = tt.strict
			})
			w := call(t, h, "GET", "/readyz", "")
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
			var got httpapi.Readiness
			decodeStrict(t, w, &got)
			if len(got.Degraded) != len(tt.want.Degraded) || got.Status != tt.want.Status {
				t.Fatalf("%+v, want %+v", got, tt.want)
			}
			for i := range got.Degraded {
				g, want := got.Degraded[i], tt.want.Degraded[i]
				if g.Dependency != want.Dependency || !g.Since.Equal(want.Since) || g.Reason != want.Reason {
					t.Errorf("degraded[%d] %+v, want %+v", i, g, want)
				}
			}
			if strings.Contains(w.Body.String(), "refused") {
				t.Errorf("the backend's error reached the client: %s", w.Body.String())
			}
		})
	}

	t.Run("shared tier failing, ready requires it", func(t *testing.T) {
		t.Parallel()
		h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) {
			c.Cache = fakeCache{readyErr: errBackend, since: since}
			c.ReadyRequiresSharedCache = true
		})
		w := call(t, h, "GET", "/readyz", "")
		problemOf(t, w, http.StatusServiceUnavailable, abaco.CodeUnavailable)
		if got := w.Header().Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After %q, want 1", got)
		}
	})
}
