// Package load holds the HTTP API load benchmark (run.sh, driving wrk) and
// the in-process handler benchmark that decided how /evaluate is served.
package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"abaco/cache"
	"abaco/expr"
	"abaco/httpapi"
	"abaco/inmem"
	"abaco/queue"
)

// BenchmarkHandler compares, in process and without the network, the cost
// of answering POST /evaluate {"expressao": "2+2"}: a minimal net/http
// handler with a fixed body, the same endpoint declared with huma v2 (the
// OpenAPI framework first considered), and abaco's handler on a cache hit.
//
//	cd bench && go test -run XXX -bench Handler -benchmem ./load
func BenchmarkHandler(b *testing.B) {
	b.Run("minimal", func(b *testing.B) { serve(b, minimal()) })
	b.Run("huma", func(b *testing.B) { serve(b, humaHandler()) })
	b.Run("abaco-hit", func(b *testing.B) {
		c := cache.New(expr.New(expr.Limits{}), cache.Options{})
		serve(b, httpapi.New(httpapi.Config{Evaluator: c, Cache: c, Registry: prometheus.NewRegistry()}))
	})
}

func serve(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	const body = `{"expressao": "2+2"}`
	r := httptest.NewRequest("POST", "/evaluate", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for b.Loop() {
		r.Body = io.NopCloser(strings.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

func minimal() http.Handler {
	body := []byte(`{"resultado":4}` + "\n")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}

type humaInput struct {
	Body struct {
		Expressao string `json:"expressao"`
	}
}

type humaOutput struct {
	XCache string `header:"X-Cache"`
	Body   struct {
		Resultado int    `json:"resultado"`
		Repr      string `json:"repr"`
		Tipo      string `json:"tipo"`
	}
}

// humaHandler is the endpoint as huma would serve it, answering a fixed
// result: only the framework's own cost is measured.
func humaHandler() http.Handler {
	mux := http.NewServeMux()
	api := humago.New(mux, huma.DefaultConfig("abaco", "1"))
	huma.Post(api, "/evaluate", func(_ context.Context, in *humaInput) (*humaOutput, error) {
		out := &humaOutput{XCache: "hit"}
		out.Body.Resultado, out.Body.Repr, out.Body.Tipo = 4, "4", "int"
		return out, nil
	})
	return mux
}

// BenchmarkIntake compares, in process and without Redis, the handler's
// cost of an all-distinct POST /evaluate with that of POST /jobs over the
// embedded broker (no workers): what job intake adds to a request.
//
//	cd bench && go test -run XXX -bench Intake -benchmem ./load
func BenchmarkIntake(b *testing.B) {
	newAPI := func() http.Handler {
		c := cache.New(expr.New(expr.Limits{}), cache.Options{})
		jobs := queue.NewJobs(inmem.NewBroker(), c, queue.JobOptions{MaxQueued: -1, Recent: 1000})
		return httpapi.New(httpapi.Config{Evaluator: c, Cache: c, Jobs: jobs, Registry: prometheus.NewRegistry()})
	}
	for _, path := range []string{"/evaluate", "/jobs"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			h := newAPI()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				r := httptest.NewRequest("POST", path, strings.NewReader(`{"expressao": "`+strconv.Itoa(i)+` * 7 + 1"}`))
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK && w.Code != http.StatusAccepted {
					b.Fatal(w.Code, w.Body.String())
				}
			}
		})
	}
}

// BenchmarkTracing is the cache hit of BenchmarkHandler with tracing off
// (the default: no TracerProvider), on with every request sampled (its
// spans batched to an exporter that discards them, so only abaco's side
// is measured), and on with none sampled (OTEL_TRACES_SAMPLER=
// traceidratio with OTEL_TRACES_SAMPLER_ARG=0).
//
//	cd bench && go test -run XXX -bench Tracing -benchmem ./load
func BenchmarkTracing(b *testing.B) {
	traced := func(b *testing.B, tp trace.TracerProvider) {
		c := cache.New(expr.New(expr.Limits{}), cache.Options{Tracing: tp})
		serve(b, httpapi.New(httpapi.Config{Evaluator: c, Cache: c, Registry: prometheus.NewRegistry(), Tracing: tp}))
	}
	b.Run("off", func(b *testing.B) { traced(b, nil) })
	for _, s := range []struct {
		name    string
		sampler sdktrace.Sampler
	}{{"sampled", sdktrace.AlwaysSample()}, {"unsampled", sdktrace.TraceIDRatioBased(0)}} {
		b.Run(s.name, func(b *testing.B) {
			tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(s.sampler),
				sdktrace.WithBatcher(tracetest.NewNoopExporter()))
			defer tp.Shutdown(context.Background())
			traced(b, tp)
		})
	}
}
