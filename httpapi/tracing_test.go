package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"abaco/cache"
	"abaco/expr"
	"abaco/httpapi"
	"abaco/inmem"
	"abaco/queue"
)

// tracedAPI is the API, its cache and its job service (with two
// workers) recording their spans in memory.
func tracedAPI(t *testing.T) (*httpapi.Server, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	c := cache.New(expr.New(expr.Limits{}), cache.Options{Tracing: tp})
	jobs := queue.NewJobs(inmem.NewBroker(), c, queue.JobOptions{Tracing: tp})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- jobs.Run(ctx, 2) }()
	t.Cleanup(func() { cancel(); <-done })
	return httpapi.New(httpapi.Config{Evaluator: c, Cache: c, Jobs: jobs, Registry: prometheus.NewRegistry(), Tracing: tp}), exp
}

// spanNamed returns the ended span called name, waiting for it a while:
// a worker's span ends on its own goroutine.
func spanNamed(t *testing.T, exp *tracetest.InMemoryExporter, name string) tracetest.SpanStub {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		for _, s := range exp.GetSpans() {
			if s.Name == name {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no span %q among %v", name, names(exp.GetSpans()))
		}
		time.Sleep(time.Millisecond)
	}
}

func names(spans tracetest.SpanStubs) []string {
	var n []string
	for _, s := range spans {
		n = append(n, s.Name)
	}
	return n
}

func attr(s tracetest.SpanStub, key string) attribute.Value {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value
		}
	}
	return attribute.Value{}
}

// childOf fails unless child is a span of parent's trace with parent as
// its parent.
func childOf(t *testing.T, child, parent tracetest.SpanStub) {
	t.Helper()
	if child.SpanContext.TraceID() != parent.SpanContext.TraceID() || child.Parent.SpanID() != parent.SpanContext.SpanID() {
		t.Errorf("span %q (trace %s, parent %s) is not a child of %q (trace %s, span %s)",
			child.Name, child.SpanContext.TraceID(), child.Parent.SpanID(),
			parent.Name, parent.SpanContext.TraceID(), parent.SpanContext.SpanID())
	}
}

// TestTraceEvaluate: a request's server span continues the client's
// trace, the cache's span is its child and the engine's the cache's; a
// repeat is a local hit without an engine span.
func TestTraceEvaluate(t *testing.T) {
	t.Parallel()
	h, exp := tracedAPI(t)
	const client = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	if w := call(t, h, "POST", "/evaluate", evalBody(t, "2**10"), "traceparent", client); w.Code != 200 {
		t.Fatalf("POST /evaluate: %d %s", w.Code, w.Body.String())
	}
	srv, cch, eng := spanNamed(t, exp, "POST /evaluate"), spanNamed(t, exp, "cache.Evaluate"), spanNamed(t, exp, "expr.Eval")
	if srv.SpanKind != trace.SpanKindServer || srv.SpanContext.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" ||
		srv.Parent.SpanID().String() != "00f067aa0ba902b7" || !srv.Parent.IsRemote() {
		t.Errorf("server span %+v does not continue the client's trace", srv)
	}
	if attr(srv, "http.route").AsString() != "/evaluate" || attr(srv, "http.response.status_code").AsInt64() != 200 ||
		attr(srv, "http.request.method").AsString() != "POST" {
		t.Errorf("server span attributes %v", srv.Attributes)
	}
	childOf(t, cch, srv)
	childOf(t, eng, cch)
	if attr(cch, "abaco.cache").AsString() != "miss" {
		t.Errorf("cache span attributes %v", cch.Attributes)
	}

	exp.Reset()
	call(t, h, "POST", "/evaluate", evalBody(t, "2**10"))
	cch = spanNamed(t, exp, "cache.Evaluate")
	if attr(cch, "abaco.cache").AsString() != "hit" || attr(cch, "abaco.cache.tier").AsString() != "local" {
		t.Errorf("repeat: cache span attributes %v", cch.Attributes)
	}
	if got := names(exp.GetSpans()); len(got) != 2 {
		t.Errorf("repeat: spans %v, want the server's and the cache's", got)
	}
}

// TestTraceJob: POST /jobs stores its trace context in the job, and the
// worker's process span continues it, so one trace runs from the request
// to the evaluation.
func TestTraceJob(t *testing.T) {
	t.Parallel()
	h, exp := tracedAPI(t)
	w := call(t, h, "POST", "/jobs", evalBody(t, "6*7"))
	if w.Code != http.StatusAccepted {
		t.Fatalf("POST /jobs: %d %s", w.Code, w.Body.String())
	}
	srv := spanNamed(t, exp, "POST /jobs")
	send := spanNamed(t, exp, "send "+queue.DefaultJobQueue)
	proc := spanNamed(t, exp, "process "+queue.DefaultJobQueue)
	childOf(t, send, srv)
	childOf(t, proc, send)
	childOf(t, spanNamed(t, exp, "cache.Evaluate"), proc)
	if send.SpanKind != trace.SpanKindProducer || proc.SpanKind != trace.SpanKindConsumer {
		t.Errorf("kinds: send %v, process %v", send.SpanKind, proc.SpanKind)
	}
	if attr(proc, "messaging.destination.name").AsString() != queue.DefaultJobQueue || attr(proc, "messaging.message.id").AsString() == "" ||
		attr(proc, "messaging.operation.type").AsString() != "process" {
		t.Errorf("process span attributes %v", proc.Attributes)
	}
}

// TestTraceStatus: a 4xx leaves the server span unset, a 5xx marks it an
// error; an unrouted request's span is named by its method alone.
func TestTraceStatus(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	h := httpapi.New(httpapi.Config{Evaluator: panicEvaluator{}, Registry: prometheus.NewRegistry(), Tracing: tp})
	call(t, h, "GET", "/no-such-page", "")
	if s := spanNamed(t, exp, "GET"); s.Status.Code != codes.Unset || attr(s, "http.response.status_code").AsInt64() != 404 {
		t.Errorf("404 span: status %v, attributes %v", s.Status, s.Attributes)
	}
	call(t, h, "POST", "/evaluate", evalBody(t, "1"))
	if s := spanNamed(t, exp, "POST /evaluate"); s.Status.Code != codes.Error || attr(s, "http.response.status_code").AsInt64() != 500 {
		t.Errorf("500 span: status %v, attributes %v", s.Status, s.Attributes)
	}
}
