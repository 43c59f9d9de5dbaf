package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"abaco"
	"abaco/cache"
	"abaco/httpapi"
	"abaco/inmem"
	"abaco/queue"
)

// TestProblemsInPortuguese asks for problems of every kind over real HTTP
// with Accept-Language and compares each to its golden file in
// testdata/problems-pt-BR (go test -update rewrites them): the title and
// detail are in the language asked for, everything else is as in English.
func TestProblemsInPortuguese(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	t.Cleanup(func() { cancel(); <-done })
	h := newAPI(t, func(c *httpapi.Config, cc *cache.Cache) {
		jobs := queue.NewJobs(inmem.NewBroker(), cc, queue.JobOptions{})
		go func() { done <- jobs.Run(ctx, 1) }()
		c.Jobs = jobs
		c.JobRate, c.JobBurst = 0.001, 1 // the second POST /jobs is refused
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if w := callHTTP(t, srv, "POST", "/jobs", evalBody(t, "1+1")); w.Code != http.StatusAccepted {
		t.Fatalf("first POST /jobs: %d %s", w.Code, w.Body.String())
	}

	for _, tt := range []struct {
		name, method, path, body, accept string
		status                           int
		code                             abaco.Code
		lang                             string // Content-Language
	}{
		{"division_by_zero", "POST", "/evaluate", `{"expressao": "1/0"}`, "pt-BR", 422, abaco.CodeDivisionByZero, "pt-BR"},
		{"float_division_by_zero", "POST", "/evaluate", `{"expressao": "1.5/0"}`, "pt", 422, abaco.CodeDivisionByZero, "pt-BR"},
		{"syntax", "POST", "/evaluate", `{"expressao": "2+"}`, "pt-BR,pt;q=0.9,en;q=0.8", 422, abaco.CodeSyntax, "pt-BR"},
		{"syntax_character", "POST", "/evaluate", `{"expressao": "2 $ 3"}`, "pt-PT", 422, abaco.CodeSyntax, "pt-BR"},
		{"limit", "POST", "/evaluate", `{"expressao": "2**10**10"}`, "en;q=0.5, pt-BR;q=0.9", 422, abaco.CodeLimit, "pt-BR"},
		{"name", "POST", "/evaluate", `{"expressao": "x+1"}`, "pt-BR", 422, abaco.CodeName, "pt-BR"},
		{"type_operands", "POST", "/evaluate", `{"expressao": "1.5 << 2"}`, "pt-BR", 422, abaco.CodeType, "pt-BR"},
		{"type_arity", "POST", "/evaluate", `{"expressao": "abs()"}`, "pt-BR", 422, abaco.CodeType, "pt-BR"},
		{"domain", "POST", "/evaluate", `{"expressao": "sqrt(-1)"}`, "pt-BR", 422, abaco.CodeDomain, "pt-BR"},
		{"not_finite", "POST", "/evaluate", `{"expressao": "inf"}`, "pt-BR", 422, abaco.CodeNotFinite, "pt-BR"},
		{"invalid_body", "POST", "/evaluate", `{"expression": "1"}`, "pt-BR", 400, abaco.CodeInvalid, "pt-BR"},
		{"job_not_found", "GET", "/jobs/nope", "", "pt-BR", 404, abaco.CodeNotFound, "pt-BR"},
		{"rate_limited", "POST", "/jobs", `{"expressao": "1+1"}`, "pt-BR", 429, abaco.CodeRateLimited, "pt-BR"},
		{"method_not_allowed", "PUT", "/evaluate", "", "pt-BR", 405, "method_not_allowed", "pt-BR"},
		// The English answers: no header, English preferred, Portuguese refused.
		{"english_default", "POST", "/evaluate", `{"expressao": "1/0"}`, "", 422, abaco.CodeDivisionByZero, "en"},
		{"english_preferred", "POST", "/evaluate", `{"expressao": "1/0"}`, "en-US,en;q=0.9,pt-BR;q=0.8", 422, abaco.CodeDivisionByZero, "en"},
		{"english_pt_refused", "POST", "/evaluate", `{"expressao": "1/0"}`, "pt;q=0, *;q=0.1", 422, abaco.CodeDivisionByZero, "en"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.accept != "" {
				headers = []string{"Accept-Language", tt.accept}
			}
			w := callHTTP(t, srv, tt.method, tt.path, tt.body, headers...)
			p := problemOf(t, w, tt.status, tt.code)
			if got := w.Header().Get("Content-Language"); got != tt.lang {
				t.Errorf("Content-Language %q, want %q", got, tt.lang)
			}
			if got := w.Header().Values("Vary"); !containsFold(got, "Accept-Language") {
				t.Errorf("Vary %q does not name Accept-Language", got)
			}
			p.RequestID = "" // differs on every run
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // keep << readable in the golden file
			enc.SetIndent("", "  ")
			if err := enc.Encode(p); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := filepath.Join("testdata", "problems-pt-BR", tt.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./httpapi -run ProblemsInPortuguese -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("problem differs from %s:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// TestProblemTypeInPortuguese checks that GET /problems/{code} names the
// title in the language asked for.
func TestProblemTypeInPortuguese(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newAPI(t, nil))
	t.Cleanup(srv.Close)
	w := callHTTP(t, srv, "GET", "/problems/division_by_zero", "", "Accept-Language", "pt-BR")
	var pt httpapi.ProblemType
	decodeStrict(t, w, &pt)
	if w.Code != 200 || pt.Title != "Divisão por zero" || pt.Code != abaco.CodeDivisionByZero || pt.Status != 422 {
		t.Errorf("GET /problems/division_by_zero in pt-BR: %d %+v", w.Code, pt)
	}
	if got := w.Header().Get("Content-Language"); got != "pt-BR" {
		t.Errorf("Content-Language %q, want pt-BR", got)
	}
}

func containsFold(values []string, want string) bool {
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), want) {
				return true
			}
		}
	}
	return false
}

// TestFailedJobInPortuguese checks that the problem of a failed job, as
// GET /jobs/{id} shows it, follows Accept-Language like a problem answer.
func TestFailedJobInPortuguese(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	t.Cleanup(func() { cancel(); <-done })
	srv := httptest.NewServer(newAPI(t, func(c *httpapi.Config, cc *cache.Cache) {
		jobs := queue.NewJobs(inmem.NewBroker(), cc, queue.JobOptions{})
		jobs.StartListen(ctx) // wakes the waits below
		go func() { done <- jobs.Run(ctx, 1) }()
		c.Jobs = jobs
	}))
	t.Cleanup(srv.Close)
	w := callHTTP(t, srv, "POST", "/jobs", evalBody(t, "1/0"))
	if w.Code != http.StatusAccepted {
		t.Fatalf("POST /jobs: %d %s", w.Code, w.Body.String())
	}
	var a httpapi.JobAccepted
	decodeStrict(t, w, &a)
	for _, tt := range []struct{ accept, title, detail string }{
		{"pt-BR", "Divisão por zero", "divisão por zero"},
		{"en", "Division by zero", "division by zero"},
	} {
		w := callHTTP(t, srv, "GET", a.URL+"?wait=10s", "", "Accept-Language", tt.accept)
		var st httpapi.JobStatus
		decodeStrict(t, w, &st)
		if st.Estado != abaco.JobFailed || st.Erro == nil {
			t.Fatalf("%s: job %+v, want failed with a problem", tt.accept, st)
		}
		if st.Erro.Code != abaco.CodeDivisionByZero || st.Erro.Title != tt.title || st.Erro.Detail != tt.detail {
			t.Errorf("%s: erro %+v, want title %q detail %q", tt.accept, *st.Erro, tt.title, tt.detail)
		}
		if !containsFold(w.Header().Values("Vary"), "Accept-Language") {
			t.Errorf("%s: Vary %q does not name Accept-Language", tt.accept, w.Header().Values("Vary"))
		}
	}
}
