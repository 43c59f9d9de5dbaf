package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"abaco/cache"
	"abaco/httpapi"
)

// benchServe measures h answering the tutorial's request in process: the
// handler's own cost, without the network.
func benchServe(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	const body = `{"expressao": "2+2"}`
	r := httptest.NewRequest("POST", "/evaluate", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for b.Loop() {
		r.Body = io.NopCloser(strings.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

// BenchmarkMinimalHandler is the baseline of the load benchmark: a fixed
// JSON body.
func BenchmarkMinimalHandler(b *testing.B) {
	benchServe(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"resultado":4}` + "\n"))
	}))
}

// BenchmarkEvaluateHit is POST /evaluate answered from the in-process tier,
// with request logging on as abaco serve's default.
func BenchmarkEvaluateHit(b *testing.B) {
	h := newAPI(&testing.T{}, func(c *httpapi.Config, _ *cache.Cache) {
		c.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
		c.LogRequests = true
	})
	benchServe(b, h)
}

// BenchmarkEvaluateHitNoLog is BenchmarkEvaluateHit with --log-requests=false.
func BenchmarkEvaluateHitNoLog(b *testing.B) {
	benchServe(b, newAPI(&testing.T{}, nil))
}
