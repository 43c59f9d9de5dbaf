package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"abaco/httpapi"
)

const (
	goodOrigin = "https://app.example"
	badOrigin  = "https://evil.example"
)

// corsServer serves the API with jobs (run by workers) and an admin token
// over real HTTP, with CORS for origins.
func corsServer(t *testing.T, origins ...string) (*httptest.Server, string) {
	t.Helper()
	h := newJobsAPI(t, true, func(c *httpapi.Config) {
		c.AdminToken = "tok"
		c.CORSOrigins = origins
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	w := callHTTP(t, srv, "POST", "/jobs", evalBody(t, "1+1"))
	if w.Code != http.StatusAccepted {
		t.Fatalf("POST /jobs: %d %s", w.Code, w.Body.String())
	}
	return srv, w.Header().Get("Location")
}

// TestCORSPublicRoutes checks that every public route answers an allowed
// origin with its CORS headers, that another origin gets none, and that
// all of them say Vary: Origin.
func TestCORSPublicRoutes(t *testing.T) {
	t.Parallel()
	srv, job := corsServer(t, "https://other.example", goodOrigin)
	id := strings.TrimPrefix(job, "/jobs/")
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"evaluate", "POST", "/evaluate", evalBody(t, "2+2"), 200},
		{"evaluate error", "POST", "/evaluate", evalBody(t, "1/0"), 422},
		{"evaluate a batch", "POST", "/evaluate/batch", batchBody(t, "2+2", "1/0"), 200},
		{"submit", "POST", "/jobs", evalBody(t, "3+3"), 202},
		{"read by ids", "GET", "/jobs?ids=" + id, "", 200},
		{"read one", "GET", job, "", 200},
		{"cancel unknown", "DELETE", "/jobs/nope", "", 404},
		{"openapi", "GET", "/openapi.json", "", 200},
		{"problem", "GET", "/problems/syntax", "", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := callHTTP(t, srv, tc.method, tc.path, tc.body, "Origin", goodOrigin)
			if w.Code != tc.status {
				t.Fatalf("%s %s: %d, want %d; %s", tc.method, tc.path, w.Code, tc.status, w.Body.String())
			}
			h := w.Header()
			if got := h.Get("Access-Control-Allow-Origin"); got != goodOrigin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, goodOrigin)
			}
			expose := h.Get("Access-Control-Expose-Headers")
			for _, want := range []string{"Location", "Retry-After", "X-Request-Id", "X-Cache", "Preference-Applied", "RateLimit"} {
				if !strings.Contains(expose, want) {
					t.Errorf("Access-Control-Expose-Headers %q lacks %s", expose, want)
				}
			}
			if !hasVary(h, "Origin") {
				t.Errorf("Vary %q lacks Origin", h.Values("Vary"))
			}
			other := callHTTP(t, srv, tc.method, tc.path, tc.body, "Origin", badOrigin)
			if got := other.Header().Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("origin %s got Access-Control-Allow-Origin %q", badOrigin, got)
			}
			if !hasVary(other.Header(), "Origin") {
				t.Errorf("a refused origin's answer lacks Vary: Origin")
			}
		})
	}
}

// TestCORSNeverOnAdmin checks that administration answers no CORS
// header, not even to an allowed origin with the right token, and that
// its preflights are not answered.
func TestCORSNeverOnAdmin(t *testing.T) {
	t.Parallel()
	srv, _ := corsServer(t, "*")
	for _, tc := range []struct {
		name, method, path string
		status             int
	}{
		{"flush", "DELETE", "/cache", 200},
		{"listing", "GET", "/jobs", 200},
		{"metrics", "GET", "/metrics", 200},
		{"readyz", "GET", "/readyz", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := callHTTP(t, srv, tc.method, tc.path, "", "Origin", goodOrigin, "Authorization", "Bearer tok")
			if w.Code != tc.status {
				t.Fatalf("%s %s: %d, want %d; %s", tc.method, tc.path, w.Code, tc.status, w.Body.String())
			}
			for k := range w.Header() {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("%s %s answered %s: %q", tc.method, tc.path, k, w.Header().Get(k))
				}
			}
			pre := callHTTP(t, srv, "OPTIONS", tc.path, "", "Origin", goodOrigin,
				"Access-Control-Request-Method", tc.method, "Access-Control-Request-Headers", "authorization")
			if pre.Code == http.StatusNoContent || pre.Header().Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("preflight of %s %s: %d, Access-Control-Allow-Origin %q; want no CORS answer",
					tc.method, tc.path, pre.Code, pre.Header().Get("Access-Control-Allow-Origin"))
			}
		})
	}
}

// TestCORSPreflight checks the preflight of public requests: 204 with the
// methods, headers and max age for an allowed origin; "*" answers any
// origin with *; a refused origin or a method the path does not serve
// publicly gets no CORS answer.
func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	srv, job := corsServer(t, goodOrigin)
	star, _ := corsServer(t, "*")
	for _, tc := range []struct {
		name         string
		srv          *httptest.Server
		origin, path string
		method       string
		allowOrigin  string // "" for no CORS answer
		methods      string
	}{
		{"evaluate", srv, goodOrigin, "/evaluate", "POST", goodOrigin, "POST"},
		{"evaluate a batch", srv, goodOrigin, "/evaluate/batch", "POST", goodOrigin, "POST"},
		{"submit", srv, goodOrigin, "/jobs?ids=x", "POST", goodOrigin, "GET, POST"},
		{"read by ids", srv, goodOrigin, "/jobs?ids=x", "GET", goodOrigin, "GET, POST"},
		{"cancel", srv, goodOrigin, job, "DELETE", goodOrigin, "GET, DELETE"},
		{"any origin", star, badOrigin, "/evaluate", "POST", "*", "POST"},
		{"refused origin", srv, badOrigin, "/evaluate", "POST", "", ""},
		{"method not served", srv, goodOrigin, "/evaluate", "DELETE", "", ""},
		{"listing", srv, goodOrigin, "/jobs", "GET", "", ""},
		{"unknown path", srv, goodOrigin, "/nowhere", "GET", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := callHTTP(t, tc.srv, "OPTIONS", tc.path, "", "Origin", tc.origin,
				"Access-Control-Request-Method", tc.method,
				"Access-Control-Request-Headers", "content-type, idempotency-key")
			h := w.Header()
			if tc.allowOrigin == "" {
				if w.Code == http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "" {
					t.Fatalf("%d, Access-Control-Allow-Origin %q: want no CORS answer", w.Code, h.Get("Access-Control-Allow-Origin"))
				}
				return
			}
			if w.Code != http.StatusNoContent {
				t.Fatalf("status %d, want 204; %s", w.Code, w.Body.String())
			}
			if got := h.Get("Access-Control-Allow-Origin"); got != tc.allowOrigin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tc.allowOrigin)
			}
			if got := h.Get("Access-Control-Allow-Methods"); got != tc.methods {
				t.Errorf("Access-Control-Allow-Methods %q, want %q", got, tc.methods)
			}
			allow := h.Get("Access-Control-Allow-Headers")
			for _, want := range []string{"Content-Type", "Idempotency-Key", "Prefer", "Accept-Language"} {
				if !strings.Contains(allow, want) {
					t.Errorf("Access-Control-Allow-Headers %q lacks %s", allow, want)
				}
			}
			if h.Get("Access-Control-Max-Age") == "" {
				t.Error("no Access-Control-Max-Age")
			}
			if !hasVary(h, "Origin") {
				t.Errorf("Vary %q lacks Origin", h.Values("Vary"))
			}
		})
	}
}

// TestCORSOff checks that without origins nothing changes: no CORS
// header, no Vary, and OPTIONS answers 405 as before.
func TestCORSOff(t *testing.T) {
	t.Parallel()
	srv, _ := corsServer(t)
	w := callHTTP(t, srv, "POST", "/evaluate", evalBody(t, "2+2"), "Origin", goodOrigin)
	if w.Header().Get("Access-Control-Allow-Origin") != "" || hasVary(w.Header(), "Origin") {
		t.Fatalf("CORS off answered %v", w.Header())
	}
	pre := callHTTP(t, srv, "OPTIONS", "/evaluate", "", "Origin", goodOrigin, "Access-Control-Request-Method", "POST")
	if pre.Code != http.StatusMethodNotAllowed {
		t.Fatalf("preflight with CORS off: %d, want 405", pre.Code)
	}
}

// hasVary reports whether h's Vary names field.
func hasVary(h http.Header, field string) bool {
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), field) {
				return true
			}
		}
	}
	return false
}
