package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
)

// consoleSpan is what the console exporter prints of a span.
type consoleSpan struct {
	Name        string
	SpanContext struct{ TraceID, SpanID string }
	Parent      struct{ TraceID, SpanID string }
}

// consoleSpans returns the spans among the lines of a command's stderr
// (the rest are its JSON log lines, which have no SpanContext).
func consoleSpans(stderr string) map[string]consoleSpan {
	spans := map[string]consoleSpan{}
	for _, line := range strings.Split(stderr, "\n") {
		var s consoleSpan
		if json.Unmarshal([]byte(line), &s) == nil && s.SpanContext.TraceID != "" {
			spans[s.Name] = s
		}
	}
	return spans
}

// tracingEnv is redisEnv with the console exporter on.
func tracingEnv(url string) func(string) string {
	return func(k string) string {
		if k == "OTEL_TRACES_EXPORTER" {
			return "console"
		}
		return redisEnv(url)(k)
	}
}

// TestTraceJobAcrossProcesses follows a job with OTEL_TRACES_EXPORTER=
// console, as docs/api.md tells users to: `abaco serve --workers 0`
// accepts POST /jobs over real HTTP and `abaco worker` runs it over a
// real Redis, and the worker's process span belongs to the trace of the
// server's HTTP span, as the child of its send span.
func TestTraceJobAcrossProcesses(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	serve := startInProcessEnv(tracingEnv(srv.URL), "serve", "--addr", "127.0.0.1:0", "--workers", "0")
	t.Cleanup(func() { serve.stop(t) })
	worker := startInProcessEnv(tracingEnv(srv.URL), "worker")
	t.Cleanup(func() { worker.stop(t) })
	var base string
	until(t, 10*time.Second, "serve to listen", func() bool {
		_, rest, ok := strings.Cut(serve.err.String(), `"msg":"abaco serve listening","addr":"`)
		base, _, _ = strings.Cut(rest, `"`)
		return ok
	})
	resp, body := post(t, "http://"+base+"/jobs", `{"expressao": "6*7"}`)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /jobs: %d %v", resp.StatusCode, body)
	}
	waitJob(t, "http://"+base+body["url"].(string), "42")

	var httpSpan, send, proc, eval consoleSpan
	until(t, 10*time.Second, "the spans of both processes", func() bool {
		s, w := consoleSpans(serve.err.String()), consoleSpans(worker.err.String())
		httpSpan, send, proc, eval = s["POST /jobs"], s["send abaco_jobs"], w["process abaco_jobs"], w["cache.Evaluate"]
		return httpSpan.Name != "" && send.Name != "" && proc.Name != "" && eval.Name != ""
	})
	trace := httpSpan.SpanContext.TraceID
	for _, s := range []consoleSpan{send, proc, eval} {
		if s.SpanContext.TraceID != trace {
			t.Errorf("span %q has trace %s, the HTTP span %s", s.Name, s.SpanContext.TraceID, trace)
		}
	}
	if send.Parent.SpanID != httpSpan.SpanContext.SpanID || proc.Parent.SpanID != send.SpanContext.SpanID ||
		eval.Parent.SpanID != proc.SpanContext.SpanID {
		t.Errorf("the chain HTTP -> send -> process -> cache is broken: %+v %+v %+v %+v", httpSpan, send, proc, eval)
	}
}

// TestTraceConsume: `abaco consume` makes a span per plain item, with the
// evaluation as its child.
func TestTraceConsume(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	srv.MustDo("RPUSH", "number_queue", "2+3")
	c := startInProcessEnv(tracingEnv(srv.URL), "consume", "--delay", "0")
	t.Cleanup(func() { c.stop(t) })
	var proc, eval consoleSpan
	until(t, 10*time.Second, "the item's spans", func() bool {
		s := consoleSpans(c.err.String())
		proc, eval = s["process number_queue"], s["cache.Evaluate"]
		return proc.Name != "" && eval.Name != "" && strings.Contains(c.out.String(), "processed 2+3 = 5")
	})
	if proc.Parent.SpanID != "0000000000000000" || eval.Parent.SpanID != proc.SpanContext.SpanID {
		t.Errorf("process %+v, evaluation %+v: want a root span and its child", proc, eval)
	}
}
