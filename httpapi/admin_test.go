package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"abaco"
	"abaco/cache"
	"abaco/httpapi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata (openapi.json, problems-pt-BR)")

func TestFlushCache(t *testing.T) {
	t.Parallel()
	t.Run("disabled without a token", func(t *testing.T) {
		t.Parallel()
		h := newAPI(t, nil)
		w := call(t, h, "DELETE", "/cache", "", "Authorization", "Bearer anything")
		problemOf(t, w, http.StatusNotFound, abaco.CodeNotFound)
	})
	h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) { c.AdminToken = "s3cret" })
	for _, tt := range []struct {
		name, auth string
	}{
		{"no header", ""},
		{"wrong token", "Bearer nope"},
		{"token without Bearer", "s3cret"},
		{"other scheme", "Basic s3cret"},
		{"empty token", "Bearer "},
		{"token with a suffix", "Bearer s3cret2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := call(t, h, "DELETE", "/cache", "", "Authorization", tt.auth)
			problemOf(t, w, http.StatusUnauthorized, abaco.CodeUnauthorized)
			if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", w.Header().Get("WWW-Authenticate"))
			}
		})
	}
	// The scheme name is case-insensitive (RFC 9110, section 11.1).
	for _, auth := range []string{"bearer s3cret", "BEARER  s3cret "} {
		if w := call(t, h, "DELETE", "/cache", "", "Authorization", auth); w.Code != 200 {
			t.Errorf("Authorization %q: status %d: %s", auth, w.Code, w.Body.String())
		}
	}
	t.Run("with the token", func(t *testing.T) {
		call(t, h, "POST", "/evaluate", evalBody(t, "2+2"))
		call(t, h, "POST", "/evaluate", evalBody(t, "3+3"))
		if got := call(t, h, "POST", "/evaluate", evalBody(t, "2+2")).Header().Get("X-Cache"); got != "hit" {
			t.Fatalf("before flush: X-Cache %q", got)
		}
		w := call(t, h, "DELETE", "/cache", "", "Authorization", "Bearer s3cret")
		if w.Code != 200 {
			t.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
		var f httpapi.CacheFlushed
		decodeStrict(t, w, &f)
		if f.Removidas != 2 {
			t.Errorf("removidas %d, want 2", f.Removidas)
		}
		if got := call(t, h, "POST", "/evaluate", evalBody(t, "2+2")).Header().Get("X-Cache"); got != "miss" {
			t.Errorf("after flush: X-Cache %q, want miss", got)
		}
	})
}

func TestOperationalEndpoints(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	for path, v := range map[string]any{"/healthz": &httpapi.Status{}, "/readyz": &httpapi.Readiness{}} {
		w := call(t, h, "GET", path, "")
		if w.Code != 200 {
			t.Fatalf("%s: status %d", path, w.Code)
		}
		decodeStrict(t, w, v)
	}
	call(t, h, "POST", "/evaluate", evalBody(t, "2+2"))
	call(t, h, "POST", "/evaluate", evalBody(t, "1/0"))
	w := call(t, h, "GET", "/metrics", "")
	if w.Code != 200 {
		t.Fatalf("/metrics: status %d", w.Code)
	}
	for _, want := range []string{
		`abaco_http_requests_total{code="200",method="POST",route="/evaluate"} 1`,
		`abaco_http_requests_total{code="422",method="POST",route="/evaluate"} 1`,
		`abaco_http_request_duration_seconds_bucket{method="POST",route="/evaluate",le=`,
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	w := call(t, h, "GET", "/evaluate", "")
	problemOf(t, w, http.StatusMethodNotAllowed, "method_not_allowed")
	if !strings.Contains(w.Header().Get("Allow"), "POST") {
		t.Errorf("Allow %q", w.Header().Get("Allow"))
	}
	problemOf(t, call(t, h, "GET", "/nowhere", ""), http.StatusNotFound, abaco.CodeNotFound)
	if w := call(t, h, "GET", "/", ""); w.Code != http.StatusFound || w.Header().Get("Location") != "/docs" {
		t.Errorf("GET /: %d to %q, want a redirect to /docs", w.Code, w.Header().Get("Location"))
	}
	w = call(t, h, "GET", "/problems/division_by_zero", "")
	var pt httpapi.ProblemType
	decodeStrict(t, w, &pt)
	if pt.Status != 422 || pt.Code != abaco.CodeDivisionByZero {
		t.Errorf("problem type %+v", pt)
	}
	problemOf(t, call(t, h, "GET", "/problems/nope", ""), http.StatusNotFound, abaco.CodeNotFound)
}

func TestDocsAssets(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	page := call(t, h, "GET", "/docs", "")
	if page.Code != 200 || !strings.Contains(page.Body.String(), `src="/docs/swagger-ui-bundle.js"`) {
		t.Fatalf("/docs: %d %s", page.Code, page.Body.String())
	}
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	for path, ctype := range map[string]string{
		"/docs/swagger-ui-bundle.js": "text/javascript",
		"/docs/swagger-ui.css":       "text/css",
		"/docs/init.js":              "text/javascript",
		"/docs/favicon-32x32.png":    "image/png",
	} {
		w := call(t, h, "GET", path, "")
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), ctype) || w.Body.Len() == 0 {
			t.Errorf("%s: %d %q %d bytes", path, w.Code, w.Header().Get("Content-Type"), w.Body.Len())
		}
	}
	init := call(t, h, "GET", "/docs/init.js", "").Body.String()
	if !strings.Contains(init, "validatorUrl: null") || !strings.Contains(init, `"/openapi.json"`) || !strings.Contains(init, `"/openapi.json?lang=pt-BR"`) {
		t.Errorf("init.js does not turn the validator off or load /openapi.json (or its Portuguese form):\n%s", init)
	}
	problemOf(t, call(t, h, "GET", "/docs/..%2f..%2fgo.mod", ""), http.StatusNotFound, abaco.CodeNotFound)
	problemOf(t, call(t, h, "GET", "/docs/nothing.js", ""), http.StatusNotFound, abaco.CodeNotFound)
}

// TestOpenAPIGolden keeps testdata/openapi.json equal to the document
// generated from the Go types; run go test -update after a deliberate change.
func TestOpenAPIGolden(t *testing.T) {
	h := newAPI(t, nil)
	w := call(t, h, "GET", "/openapi.json", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("/openapi.json: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	got := w.Body.Bytes()
	golden := filepath.Join("testdata", "openapi.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./httpapi -run OpenAPIGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("/openapi.json differs from %s; run go test ./httpapi -run OpenAPIGolden -update, review the diff "+
			"and regenerate the clients (docs/api.md, Generated clients)", golden)
	}
	var doc struct {
		OpenAPI    string `json:"openapi"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	resultado := string(doc.Components.Schemas["Evaluation"].Properties["resultado"])
	if !strings.Contains(resultado, `"number"`) || !strings.Contains(resultado, `"boolean"`) {
		t.Errorf("resultado schema %s, want number or boolean", resultado)
	}
}

// TestDocsTrailingSlash checks that /docs/ redirects to /docs, keeping the
// query, and that a client following it gets the page.
func TestDocsTrailingSlash(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	for _, tt := range []struct{ path, location string }{
		{"/docs/", "/docs"},
		{"/docs/?lang=pt-BR", "/docs?lang=pt-BR"},
	} {
		w := call(t, h, "GET", tt.path, "")
		if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != tt.location {
			t.Errorf("GET %s: %d Location %q, want 301 to %s", tt.path, w.Code, w.Header().Get("Location"), tt.location)
		}
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL + "/docs/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/docs" || !strings.Contains(string(b), `src="/docs/swagger-ui-bundle.js"`) {
		t.Errorf("following /docs/: %d at %s, %d bytes", resp.StatusCode, resp.Request.URL, len(b))
	}
}
