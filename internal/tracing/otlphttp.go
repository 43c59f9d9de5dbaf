package tracing

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"abaco/internal/backoff"
	"abaco/internal/outage"
)

// otlpHTTP is an OTLP/HTTP trace client for otlptrace.New. The project's
// own exporter, otlptracehttp, builds its requests with the collector's
// service package, which also holds the gRPC service and so links gRPC and
// grpc-gateway into every binary that imports it, doubling abaco's size
// (docs/benchmarks.md). The request is one repeated field, which this
// client writes itself; it reads the exporter's standard environment
// variables (see config).
type otlpHTTP struct {
	url      string
	json     bool // http/json rather than http/protobuf
	gzip     bool
	headers  map[string]string
	timeout  time.Duration
	client   *http.Client
	attempts int // sends of one batch at most, retries included
	down     *outage.Log
}

// exportError is a failed export, logged by the client's outage log.
type exportError struct{ err error }

func (e *exportError) Error() string { return e.err.Error() }
func (e *exportError) Unwrap() error { return e.err }

// defaultOTLPEndpoint is OTLP/HTTP's default, per the specification.
const defaultOTLPEndpoint = "http://localhost:4318"

// newOTLPHTTP reads the client's configuration from the OTEL_EXPORTER_OTLP_*
// variables, where a TRACES_ one wins over the general one: ENDPOINT
// (TRACES_ENDPOINT is the whole URL; ENDPOINT a base to which
// /v1/traces is added), HEADERS, TIMEOUT (milliseconds), COMPRESSION
// (gzip or none), PROTOCOL (http/protobuf or http/json), CERTIFICATE,
// CLIENT_CERTIFICATE and CLIENT_KEY (PEM files).
func newOTLPHTTP(getenv func(string) string, down *outage.Log) (*otlpHTTP, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_" + name)); v != "" {
			return v
		}
		return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + name))
	}
	c := &otlpHTTP{timeout: 10 * time.Second, attempts: 5, headers: map[string]string{}, down: down}
	switch u := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")); {
	case u != "":
		c.url = u
	default:
		base := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
		if base == "" {
			base = defaultOTLPEndpoint
		}
		c.url = strings.TrimSuffix(base, "/") + "/v1/traces"
	}
	if u, err := url.Parse(c.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("OTLP endpoint %q: want an http:// or https:// URL", c.url)
	}
	switch p := get("PROTOCOL"); p {
	case "", "http/protobuf":
	case "http/json":
		c.json = true
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: abaco exports OTLP over HTTP only; set it to http/protobuf (or http/json) and point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's HTTP port (4318)", p)
	}
	switch z := get("COMPRESSION"); z {
	case "", "none":
	case "gzip":
		c.gzip = true
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_COMPRESSION=%q: want gzip or none", z)
	}
	if t := get("TIMEOUT"); t != "" {
		ms, err := strconv.Atoi(t)
		if err != nil || ms <= 0 {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_TIMEOUT=%q: want a positive number of milliseconds", t)
		}
		c.timeout = time.Duration(ms) * time.Millisecond
	}
	// The general headers first, the traces' ones over them.
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
		if err := parseHeaders(getenv(name), c.headers); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	tlsCfg, err := tlsConfig(get("CERTIFICATE"), get("CLIENT_CERTIFICATE"), get("CLIENT_KEY"))
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	c.client = &http.Client{Transport: tr}
	return c, nil
}

// parseHeaders adds the headers of an OTEL_EXPORTER_OTLP_HEADERS value,
// "key1=value1,key2=value2" with URL-encoded values, to h. Errors name
// the key, never the value: a header is often a credential.
func parseHeaders(s string, h map[string]string) error {
	for _, kv := range strings.Split(s, ",") {
		if strings.TrimSpace(kv) == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return fmt.Errorf("a header without a key=value form")
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("header %q: the value is not URL-encoded", k)
		}
		h[k] = dv
	}
	return nil
}

// tlsConfig returns the TLS configuration of the given PEM files (nil:
// the system's roots and no client certificate).
func tlsConfig(ca, cert, key string) (*tls.Config, error) {
	if ca == "" && cert == "" && key == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: %s holds no PEM certificate", ca)
		}
	}
	if cert != "" || key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE/CLIENT_KEY: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// Start implements otlptrace.Client; there is no connection to open.
func (c *otlpHTTP) Start(context.Context) error { return nil }

// Stop implements otlptrace.Client.
func (c *otlpHTTP) Stop(context.Context) error {
	c.client.CloseIdleConnections()
	return nil
}

// UploadTraces sends one ExportTraceServiceRequest, retrying the answers
// the specification calls retryable (429, 502, 503, 504) and failed
// connections, with jittered backoff or the server's Retry-After. Its
// failures are logged as an outage of the collector.
func (c *otlpHTTP) UploadTraces(ctx context.Context, spans []*tracepb.ResourceSpans) error {
	err := c.upload(ctx, spans)
	if err != nil {
		c.down.Fail(err, "spans", countSpans(spans))
		return &exportError{err}
	}
	c.down.OK()
	return nil
}

// countSpans is how many spans an export carries, for its failure's log.
func countSpans(rss []*tracepb.ResourceSpans) int {
	n := 0
	for _, rs := range rss {
		for _, ss := range rs.ScopeSpans {
			n += len(ss.Spans)
		}
	}
	return n
}

// upload is UploadTraces without the outage log.
func (c *otlpHTTP) upload(ctx context.Context, spans []*tracepb.ResourceSpans) error {
	body, err := c.encode(spans)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		wait, err := c.send(ctx, body)
		if err == nil || wait < 0 || attempt == c.attempts {
			return err
		}
		if wait == 0 {
			wait = backoff.Exp(100*time.Millisecond, 5*time.Second, attempt)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// encode writes the request body: field 1 of ExportTraceServiceRequest,
// resource_spans, once per element (or its JSON mapping).
func (c *otlpHTTP) encode(spans []*tracepb.ResourceSpans) ([]byte, error) {
	var b []byte
	if c.json {
		b = append(b, `{"resourceSpans":[`...)
		for i, rs := range spans {
			if i > 0 {
				b = append(b, ',')
			}
			j, err := protojson.Marshal(rs)
			if err != nil {
				return nil, fmt.Errorf("otlp: encode: %w", err)
			}
			b = append(b, j...)
		}
		b = append(b, "]}"...)
	} else {
		for _, rs := range spans {
			m, err := proto.Marshal(rs)
			if err != nil {
				return nil, fmt.Errorf("otlp: encode: %w", err)
			}
			b = protowire.AppendTag(b, 1, protowire.BytesType)
			b = protowire.AppendBytes(b, m)
		}
	}
	if !c.gzip {
		return b, nil
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	_, _ = w.Write(b) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	return z.Bytes(), nil
}

// send posts body once. A retryable failure returns the wait the server
// asked for (0: none said); a final one a negative wait.
func (c *otlpHTTP) send(ctx context.Context, body []byte) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return -1, fmt.Errorf("otlp: %w", err)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if c.json {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("otlp: %w", err)
	}
	defer resp.Body.Close()
	// A partial success is a 200 too: the collector has what it keeps.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return 0, nil
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusBadGateway,
		resp.StatusCode == http.StatusServiceUnavailable, resp.StatusCode == http.StatusGatewayTimeout:
		var wait time.Duration
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			wait = time.Duration(s) * time.Second
		}
		return wait, fmt.Errorf("otlp: the collector answered %s", resp.Status)
	}
	return -1, fmt.Errorf("otlp: the collector answered %s", resp.Status)
}
