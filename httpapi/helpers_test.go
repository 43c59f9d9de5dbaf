package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/httpapi"
)

// newAPI returns the real handler over a real engine and embedded cache;
// edit adjusts the Config before New.
func newAPI(t *testing.T, edit func(*httpapi.Config, *cache.Cache)) *httpapi.Server {
	t.Helper()
	c := cache.New(expr.New(expr.Limits{}), cache.Options{})
	cfg := httpapi.Config{Evaluator: c, Cache: c, Registry: prometheus.NewRegistry()}
	if edit != nil {
		edit(&cfg, c)
	}
	return httpapi.New(cfg)
}

// call sends one request to h; headers are name, value pairs. A JSON body
// gets Content-Type application/json unless headers set one.
func call(t *testing.T, h http.Handler, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// evalBody is the tutorial's request body for expression.
func evalBody(t *testing.T, expression string) string {
	t.Helper()
	b, err := json.Marshal(httpapi.EvaluateRequest{Expressao: expression})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodeStrict decodes a response body into v, rejecting members the Go
// type does not declare: the hand-written encoder must match the types the
// OpenAPI document is generated from.
func decodeStrict(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", w.Body.String(), err)
	}
}

// problemOf checks that w is a problem+json answer with status and code and
// returns it.
func problemOf(t *testing.T, w *httptest.ResponseRecorder, status int, code abaco.Code) httpapi.Problem {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p httpapi.Problem
	decodeStrict(t, w, &p)
	if p.Code != code || p.Status != status || p.Type != "/problems/"+string(code) || p.Title == "" || p.Detail == "" {
		t.Fatalf("problem %+v, want code %s status %d with type, title and detail", p, code, status)
	}
	if p.RequestID == "" || p.RequestID != w.Header().Get("X-Request-Id") {
		t.Fatalf("problem request_id %q, header X-Request-Id %q", p.RequestID, w.Header().Get("X-Request-Id"))
	}
	return p
}

// blockingEvaluator wraps the real evaluator so a test can hold an
// evaluation in flight: each call signals started, then waits for release.
type blockingEvaluator struct {
	abaco.Evaluator
	started chan struct{}
	release chan struct{}
}

func (b *blockingEvaluator) Evaluate(ctx context.Context, expression string) (abaco.Result, error) {
	b.started <- struct{}{}
	<-b.release
	return b.Evaluator.Evaluate(ctx, expression)
}

// panicEvaluator stands for a bug below the handler.
type panicEvaluator struct{}

func (panicEvaluator) Evaluate(context.Context, string) (abaco.Result, error) {
	panic("boom")
}

// callHTTP is call over a real connection to srv: the request goes through
// net/http's client and server, and the answer comes back as a recorder so
// the same checks (problemOf, decodeStrict) apply.
func callHTTP(t *testing.T, srv *httptest.Server, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	r, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.Client().Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	w := httptest.NewRecorder()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(w.Body, resp.Body); err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return w
}
