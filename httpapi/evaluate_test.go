package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"abaco"
	"abaco/cache"
	"abaco/httpapi"
)

func TestEvaluateResults(t *testing.T) {
	t.Parallel()
	big := "1" + strings.Repeat("0", 60)
	tests := []struct {
		name      string
		expr      string
		resultado string // the raw JSON of resultado
		repr      string
		tipo      abaco.Kind
		canonical string
	}{
		{name: "tutorial", expr: "2+2", resultado: "4", repr: "4", tipo: abaco.KindInt, canonical: "2 + 2"},
		{name: "big int keeps every digit", expr: "10**60", resultado: big, repr: big, tipo: abaco.KindInt},
		{name: "negative int", expr: "-7//2", resultado: "-4", repr: "-4", tipo: abaco.KindInt},
		{name: "float repr digits", expr: "0.1+0.2", resultado: "0.30000000000000004", repr: "0.30000000000000004", tipo: abaco.KindFloat},
		{name: "float exponent is valid JSON", expr: "1e16", resultado: "1e+16", repr: "1e+16", tipo: abaco.KindFloat},
		{name: "negative zero", expr: "-0.0", resultado: "-0.0", repr: "-0.0", tipo: abaco.KindFloat},
		{name: "true is a JSON boolean", expr: "1 < 2", resultado: "true", repr: "True", tipo: abaco.KindBool},
		{name: "false is a JSON boolean", expr: "not 1", resultado: "false", repr: "False", tipo: abaco.KindBool},
	}
	h := newAPI(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The same answer, of the same JSON type, on the miss and on the hit.
			for i, want := range []abaco.CacheStatus{abaco.CacheMiss, abaco.CacheHit} {
				w := call(t, h, "POST", "/evaluate", evalBody(t, tt.expr))
				if w.Code != http.StatusOK {
					t.Fatalf("call %d: status %d: %s", i, w.Code, w.Body.String())
				}
				if ct := w.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				var raw map[string]json.RawMessage
				if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
					t.Fatalf("body %s: %v", w.Body.String(), err)
				}
				if got := string(raw["resultado"]); got != tt.resultado {
					t.Errorf("call %d: resultado %s, want %s", i, got, tt.resultado)
				}
				var resp httpapi.Evaluation
				decodeStrict(t, w, &resp)
				if resp.Repr != tt.repr || resp.Tipo != tt.tipo || resp.Cache != want {
					t.Errorf("call %d: %+v, want repr %s tipo %s cache %s", i, resp, tt.repr, tt.tipo, want)
				}
				if tt.canonical != "" && resp.ExpressaoCanonica != tt.canonical {
					t.Errorf("expressao_canonica %q, want %q", resp.ExpressaoCanonica, tt.canonical)
				}
				if got := w.Header().Get("X-Cache"); got != string(want) {
					t.Errorf("call %d: X-Cache %q, want %s", i, got, want)
				}
				if want == abaco.CacheHit && resp.Camada != "local" {
					t.Errorf("hit from tier %q, want local", resp.Camada)
				}
			}
		})
	}
}

func TestEvaluateSharesCanonicalEntry(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	call(t, h, "POST", "/evaluate", evalBody(t, "2+2"))
	w := call(t, h, "POST", "/evaluate", evalBody(t, "(2) +   2"))
	if w.Header().Get("X-Cache") != "hit" {
		t.Fatalf("(2) + 2 after 2+2: X-Cache %q, want hit; %s", w.Header().Get("X-Cache"), w.Body.String())
	}
}

func TestEvaluateProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		headers []string
		status  int
		code    abaco.Code
		check   func(t *testing.T, p httpapi.Problem)
	}{
		{name: "syntax error has a column", body: `{"expressao": "2 +* 3"}`, status: 422, code: abaco.CodeSyntax,
			check: func(t *testing.T, p httpapi.Problem) {
				if p.Column <= 0 {
					t.Errorf("column %d, want > 0", p.Column)
				}
			}},
		{name: "division by zero", body: `{"expressao": "1/0"}`, status: 422, code: abaco.CodeDivisionByZero,
			check: func(t *testing.T, p httpapi.Problem) {
				if p.Expression != "1 / 0" {
					t.Errorf("expressao_canonica %q, want 1 / 0", p.Expression)
				}
			}},
		{name: "unknown name", body: `{"expressao": "x + 1"}`, status: 422, code: abaco.CodeName},
		{name: "type error", body: `{"expressao": "abs(1, 2)"}`, status: 422, code: abaco.CodeType},
		{name: "domain error", body: `{"expressao": "sqrt(-1)"}`, status: 422, code: abaco.CodeDomain},
		{name: "overflow", body: `{"expressao": "1e308 ** 2"}`, status: 422, code: abaco.CodeOverflow},
		{name: "limit", body: `{"expressao": "9**9**9"}`, status: 422, code: abaco.CodeLimit},
		{name: "inf is not finite", body: `{"expressao": "1e308 * 10"}`, status: 422, code: abaco.CodeNotFinite,
			check: func(t *testing.T, p httpapi.Problem) {
				if p.Repr != "inf" {
					t.Errorf("repr %q, want inf", p.Repr)
				}
			}},
		{name: "empty expression", body: `{"expressao": ""}`, status: 422, code: abaco.CodeSyntax},
		{name: "malformed JSON", body: `{"expressao": "2+2"`, status: 400, code: abaco.CodeInvalid},
		{name: "not an object", body: `"2+2"`, status: 400, code: abaco.CodeInvalid},
		{name: "empty body", body: ``, headers: []string{"Content-Type", "application/json"}, status: 400, code: abaco.CodeInvalid},
		{name: "unknown member", body: `{"expressao": "2+2", "extra": 1}`, status: 400, code: abaco.CodeInvalid},
		{name: "missing expressao", body: `{}`, status: 400, code: abaco.CodeInvalid},
		{name: "expressao not a string", body: `{"expressao": 4}`, status: 400, code: abaco.CodeInvalid},
		{name: "member name in another case", body: `{"Expressao": "2+2"}`, status: 400, code: abaco.CodeInvalid},
		{name: "expressao twice", body: `{"expressao": "1", "expressao": "2"}`, status: 400, code: abaco.CodeInvalid},
		{name: "expressao null", body: `{"expressao": null}`, status: 400, code: abaco.CodeInvalid},
		{name: "trailing data", body: `{"expressao": "2+2"} {}`, status: 400, code: abaco.CodeInvalid},
		{name: "wrong content type", body: `expressao=2%2B2`, headers: []string{"Content-Type", "application/x-www-form-urlencoded"},
			status: 415, code: abaco.CodeUnsupportedMediaType},
		{name: "body over the limit", body: evalBody(t, strings.Repeat("1+", 600)+"1"), status: 413, code: abaco.CodeTooLarge},
	}
	h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) { c.MaxBodyBytes = 1024 })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := call(t, h, "POST", "/evaluate", tt.body, tt.headers...)
			p := problemOf(t, w, tt.status, tt.code)
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestEvaluateAcceptsEscapedAndSpacedJSON(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	for _, body := range []string{
		`{"expressao":"2+2"}`,
		" {\n\t\"expressao\" : \"2+2\" \n} ",
		`{"expressao": "2\u002b2"}`,
	} {
		w := call(t, h, "POST", "/evaluate", body)
		var resp httpapi.Evaluation
		if w.Code != 200 {
			t.Fatalf("%s: status %d %s", body, w.Code, w.Body.String())
		}
		decodeStrict(t, w, &resp)
		if string(resp.Resultado) != "4" {
			t.Errorf("%s: resultado %s", body, resp.Resultado)
		}
	}
	w := call(t, h, "POST", "/evaluate", `{"expressao": "2+2"}`, "Content-Type", "application/json; charset=utf-8")
	if w.Code != 200 {
		t.Errorf("charset parameter: status %d", w.Code)
	}
}

func TestEvaluateOverloaded(t *testing.T) {
	t.Parallel()
	blocker := &blockingEvaluator{started: make(chan struct{}), release: make(chan struct{})}
	h := newAPI(t, func(c *httpapi.Config, cc *cache.Cache) {
		blocker.Evaluator = cc
		c.Evaluator = blocker
		c.MaxConcurrent = 1
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if w := call(t, h, "POST", "/evaluate", evalBody(t, "2+2")); w.Code != 200 {
			t.Errorf("held request: status %d", w.Code)
		}
	}()
	<-blocker.started
	w := call(t, h, "POST", "/evaluate", evalBody(t, "3+3"))
	problemOf(t, w, http.StatusTooManyRequests, abaco.CodeOverloaded)
	if w.Header().Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want 1", w.Header().Get("Retry-After"))
	}
	close(blocker.release)
	wg.Wait()
}

func TestPanicIsA500(t *testing.T) {
	t.Parallel()
	h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) { c.Evaluator = panicEvaluator{} })
	w := call(t, h, "POST", "/evaluate", evalBody(t, "2+2"))
	p := problemOf(t, w, 500, abaco.CodeInternal)
	if strings.Contains(p.Detail, "boom") {
		t.Errorf("the panic leaked to the client: %q", p.Detail)
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	w := call(t, h, "GET", "/healthz", "", "X-Request-Id", "abc-123")
	if got := w.Header().Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("X-Request-Id %q, want the client's abc-123", got)
	}
	// A success without a client id needs no id: nothing logs it.
	if got := call(t, h, "GET", "/healthz", "").Header().Get("X-Request-Id"); got != "" {
		t.Errorf("X-Request-Id %q on a success the client sent no id for, want none", got)
	}
	// A problem gets a new id, in the header and the body; an unsafe
	// client id is replaced.
	a := call(t, h, "GET", "/nowhere", "", "X-Request-Id", "bad id\twith spaces")
	b := call(t, h, "GET", "/nowhere", "")
	ida, idb := problemOf(t, a, http.StatusNotFound, "not_found").RequestID, problemOf(t, b, http.StatusNotFound, "not_found").RequestID
	if ida == "" || idb == "" || ida == idb || strings.Contains(ida, " ") {
		t.Errorf("generated ids %q and %q: want two distinct, safe ids", ida, idb)
	}
	// With a log line per request, every response has an id.
	logged := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) { c.LogRequests = true })
	if got := call(t, logged, "GET", "/healthz", "").Header().Get("X-Request-Id"); got == "" {
		t.Error("no X-Request-Id with LogRequests")
	}
}

// TestEvaluateChunkedBodyOverTheLimit checks the body limit on a body of
// unknown length (chunked), which no Content-Length announces: the handler
// stops reading past the limit and answers 413.
func TestEvaluateChunkedBodyOverTheLimit(t *testing.T) {
	t.Parallel()
	h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) { c.MaxBodyBytes = 1024 })
	for _, tt := range []struct {
		body   string
		status int
	}{
		{evalBody(t, strings.Repeat("1+", 600)+"1"), 413},
		{evalBody(t, strings.Repeat("1+", 400)+"1"), 200},
	} {
		r := httptest.NewRequest("POST", "/evaluate", strings.NewReader(tt.body))
		r.Header.Set("Content-Type", "application/json")
		r.ContentLength = -1
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("chunked body of %d bytes: status %d, want %d: %s", len(tt.body), w.Code, tt.status, w.Body.String())
		}
	}
}
