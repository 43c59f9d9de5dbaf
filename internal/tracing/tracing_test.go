package tracing

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"abaco/internal/syncbuf"
	"abaco/internal/version"
)

var discard = slog.New(slog.DiscardHandler)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestSetupOff(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"unset":    {},
		"none":     {"OTEL_TRACES_EXPORTER": "none"},
		"disabled": {"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"},
	} {
		t.Run(name, func(t *testing.T) {
			tp, shutdown, err := Setup(context.Background(), envOf(env), io.Discard, version.Info{}, discard)
			if err != nil || tp != nil {
				t.Fatalf("Setup = %v, %v; want no provider and no error", tp, err)
			}
			if err := shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSetupRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OTEL_TRACES_EXPORTER": "jaeger"}, `"jaeger": want otlp, console or none`},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTLP over HTTP only"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, "OTLP over HTTP only"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "127.0.0.1:4318"}, "want an http:// or https:// URL"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TIMEOUT": "soon"}, "milliseconds"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, "want gzip or none"},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%zzsecret"}, `header "authorization"`},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_CERTIFICATE": "/nonexistent/ca.pem"}, "OTEL_EXPORTER_OTLP_CERTIFICATE"},
	} {
		_, _, err := Setup(context.Background(), envOf(tc.env), io.Discard, version.Info{}, discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Setup(%v) = %v; want an error with %q", tc.env, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("the error shows a header's value: %v", err)
		}
	}
}

// collector is an OTLP/HTTP endpoint that answers the first fail
// requests 503 and records the spans of the others.
type collector struct {
	mu      sync.Mutex
	fail    int
	posts   int
	headers []http.Header
	names   []string
	svc     []string
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.posts++
	c.headers = append(c.headers, r.Header.Clone())
	if r.URL.Path != "/v1/traces" || r.Method != http.MethodPost {
		http.Error(w, "wrong path", http.StatusNotFound)
		return
	}
	if c.fail > 0 {
		c.fail--
		w.Header().Set("Retry-After", "0")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		z, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = z
	}
	b, _ := io.ReadAll(body)
	rss, err := decodeRequest(r.Header.Get("Content-Type"), b)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, rs := range rss {
		for _, a := range rs.GetResource().GetAttributes() {
			if a.Key == "service.name" {
				c.svc = append(c.svc, a.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.names = append(c.names, s.Name)
			}
		}
	}
}

// decodeRequest reads an ExportTraceServiceRequest as a collector does.
func decodeRequest(contentType string, b []byte) ([]*tracepb.ResourceSpans, error) {
	var out []*tracepb.ResourceSpans
	if contentType == "application/json" {
		var req struct{ ResourceSpans []json.RawMessage }
		if err := json.Unmarshal(b, &req); err != nil {
			return nil, err
		}
		for _, raw := range req.ResourceSpans {
			rs := &tracepb.ResourceSpans{}
			if err := protojson.Unmarshal(raw, rs); err != nil {
				return nil, err
			}
			out = append(out, rs)
		}
		return out, nil
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num != 1 || typ != protowire.BytesType {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		m, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		rs := &tracepb.ResourceSpans{}
		if err := proto.Unmarshal(m, rs); err != nil {
			return nil, err
		}
		out = append(out, rs)
	}
	return out, nil
}

// TestOTLPExport sends spans to a real HTTP collector in each encoding,
// through a 503 that is retried, with the configured headers.
func TestOTLPExport(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		ct   string
	}{
		{"protobuf", map[string]string{}, "application/x-protobuf"},
		{"json+gzip", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"}, "application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col := &collector{fail: 1}
			srv := httptest.NewServer(col)
			defer srv.Close()
			env := map[string]string{
				"OTEL_TRACES_EXPORTER":              "otlp",
				"OTEL_EXPORTER_OTLP_ENDPOINT":       srv.URL + "/",
				"OTEL_EXPORTER_OTLP_HEADERS":        "authorization=Bearer%20t0ken,x-team=calc",
				"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-team=abaco",
			}
			for k, v := range tc.env {
				env[k] = v
			}
			tp, shutdown, err := Setup(context.Background(), envOf(env), io.Discard, version.Info{Version: "v1.2.3"}, discard)
			if err != nil {
				t.Fatal(err)
			}
			_, span := tp.Tracer("test").Start(context.Background(), "one")
			span.End()
			if err := shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			col.mu.Lock()
			defer col.mu.Unlock()
			if col.posts != 2 || len(col.names) != 1 || col.names[0] != "one" {
				t.Fatalf("posts %d, spans %q; want a 503 retried, then the span", col.posts, col.names)
			}
			if len(col.svc) != 1 || col.svc[0] != ServiceName {
				t.Errorf("service.name %q, want %q", col.svc, ServiceName)
			}
			h := col.headers[1]
			if h.Get("Content-Type") != tc.ct || h.Get("Authorization") != "Bearer t0ken" || h.Get("X-Team") != "abaco" {
				t.Errorf("headers %v", h)
			}
		})
	}
}

// TestConsoleExporter writes one JSON object per span.
func TestConsoleExporter(t *testing.T) {
	var out bytes.Buffer
	tp, shutdown, err := Setup(context.Background(), envOf(map[string]string{"OTEL_TRACES_EXPORTER": "console"}), &out, version.Info{}, discard)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("test").Start(context.Background(), "shown")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var s struct{ Name string }
	if err := json.Unmarshal(out.Bytes(), &s); err != nil || s.Name != "shown" {
		t.Fatalf("console output %q: %v", out.String(), err)
	}
}

// TestOTLPCollectorDown: with no collector listening, ending spans does
// not block, the shutdown gives up when its context ends, and the failure
// is one warning in the log, not the SDK's plain-text lines.
func TestOTLPCollectorDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	var logs syncbuf.Buffer
	tp, shutdown, err := Setup(context.Background(), envOf(map[string]string{
		"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": url,
	}), io.Discard, version.Info{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 10_000 {
		_, span := tp.Tracer("test").Start(context.Background(), "lost")
		span.End()
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("ending 10000 spans took %s with the collector down", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start = time.Now()
	if err := shutdown(ctx); err == nil {
		t.Error("shutdown reported no error with the collector down")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %s past its 500ms context", d)
	}
	// The export that shutdown gave up on ends on its own goroutine.
	for deadline := time.Now().Add(5 * time.Second); logs.String() == "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"msg":"tracing: export failed; retrying"`) {
		t.Errorf("log %q, want one warning of the outage", logs.String())
	}
}
