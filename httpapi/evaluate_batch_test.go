package httpapi_test

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"abaco"
	"abaco/cache"
	"abaco/httpapi"
)

// batchBody is the body of POST /evaluate/batch for expressions.
func batchBody(t *testing.T, expressions ...string) string {
	t.Helper()
	b, err := json.Marshal(httpapi.EvaluateBatchRequest{Expressoes: expressions})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// evaluateBatch sends a batch and decodes its 200 answer strictly.
func evaluateBatch(t *testing.T, h *httpapi.Server, body string, headers ...string) (*httptest.ResponseRecorder, httpapi.EvaluationBatch) {
	t.Helper()
	w := call(t, h, "POST", "/evaluate/batch", body, headers...)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q; body %s", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	var out httpapi.EvaluationBatch
	decodeStrict(t, w, &out)
	return w, out
}

func TestEvaluateBatchItems(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	exprs := []string{"2+2", "1/0", "2**100", "1e308*10", "1 +", "10/4", "2+2"}
	w, out := evaluateBatch(t, h, batchBody(t, exprs...))
	if len(out.Resultados) != len(exprs) {
		t.Fatalf("%d items for %d expressions: %s", len(out.Resultados), len(exprs), w.Body.String())
	}
	reqID := w.Header().Get("X-Request-Id")
	ok := func(i int, resultado string, tipo abaco.Kind) {
		t.Helper()
		it := out.Resultados[i]
		if it.Erro != nil || it.Avaliacao == nil || string(it.Avaliacao.Resultado) != resultado || it.Avaliacao.Tipo != tipo {
			t.Errorf("item %d (%s) = %+v %+v, want resultado %s of type %s", i, exprs[i], it.Avaliacao, it.Erro, resultado, tipo)
		}
	}
	failed := func(i int, code abaco.Code, status int) *httpapi.Problem {
		t.Helper()
		it := out.Resultados[i]
		if it.Avaliacao != nil || it.Erro == nil || it.Erro.Code != code || it.Erro.Status != status ||
			it.Erro.Type != "/problems/"+string(code) || it.Erro.Detail == "" || it.Erro.RequestID != reqID {
			t.Fatalf("item %d (%s) = %+v %+v, want the problem %s (%d) with request id %s", i, exprs[i], it.Avaliacao, it.Erro, code, status, reqID)
		}
		return it.Erro
	}
	ok(0, "4", abaco.KindInt)
	failed(1, abaco.CodeDivisionByZero, 422)
	ok(2, "1267650600228229401496703205376", abaco.KindInt)
	if p := failed(3, abaco.CodeNotFinite, 422); p.Repr != "inf" {
		t.Errorf("not_finite repr %q, want inf", p.Repr)
	}
	if p := failed(4, abaco.CodeSyntax, 422); p.Column == 0 {
		t.Errorf("syntax problem without a column: %+v", p)
	}
	ok(5, "2.5", abaco.KindFloat)
	// The same expression twice in one batch: the second comes from the
	// cache, as a second POST /evaluate would.
	if a, b := out.Resultados[0].Avaliacao, out.Resultados[6].Avaliacao; a == nil || b == nil || a.Cache != abaco.CacheMiss || b.Cache != abaco.CacheHit {
		t.Errorf("2+2 twice: cache %+v then %+v, want miss then hit", a, b)
	}
}

func TestEvaluateBatchInPortuguese(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	w, out := evaluateBatch(t, h, batchBody(t, "1/0"), "Accept-Language", "pt-BR")
	if !strings.Contains(w.Header().Get("Vary"), "Accept-Language") {
		t.Errorf("Vary %q, want Accept-Language", w.Header().Get("Vary"))
	}
	en := call(t, h, "POST", "/evaluate", evalBody(t, "1/0"))
	var p httpapi.Problem
	decodeStrict(t, en, &p)
	if got := out.Resultados[0].Erro; got == nil || got.Detail == p.Detail || got.Title == p.Title {
		t.Errorf("pt-BR item %+v, the English problem %+v: want the Portuguese title and detail", got, p)
	}
}

func TestEvaluateBatchRefusals(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	tooMany := make([]string, httpapi.MaxEvaluateBatch+1)
	for i := range tooMany {
		tooMany[i] = strconv.Itoa(i)
	}
	tests := []struct {
		name, body, want string // want: a part of the detail
	}{
		{"a single expression", evalBody(t, "2+2"), "POST /evaluate"},
		{"empty list", `{"expressoes": []}`, "1 to"},
		{"too many", batchBody(t, tooMany...), "POST /jobs"},
		{"not strings", `{"expressoes": [1, 2]}`, "array of strings"},
		{"unknown member", `{"expressoes": ["1"], "x": 1}`, "unknown member"},
		{"empty body", ``, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := call(t, h, "POST", "/evaluate/batch", tt.body, "Content-Type", "application/json")
			if p := problemOf(t, w, 400, abaco.CodeInvalid); !strings.Contains(p.Detail, tt.want) {
				t.Errorf("detail %q, want it to mention %q", p.Detail, tt.want)
			}
		})
	}
	w := call(t, h, "POST", "/evaluate/batch", batchBody(t, "1"), "Content-Type", "text/plain")
	problemOf(t, w, 415, abaco.CodeUnsupportedMediaType)
	w = call(t, h, "GET", "/evaluate/batch", "")
	problemOf(t, w, 405, "method_not_allowed")
}

// TestEvaluateBatchOverloaded checks that a batch takes a slot of the
// running evaluations: with the only slot held, it is refused.
func TestEvaluateBatchOverloaded(t *testing.T) {
	t.Parallel()
	held := &blockingEvaluator{started: make(chan struct{}), release: make(chan struct{})}
	h := newAPI(t, func(cfg *httpapi.Config, c *cache.Cache) {
		held.Evaluator = c
		cfg.Evaluator, cfg.MaxConcurrent = held, 1
	})
	done := make(chan struct{})
	go func() { defer close(done); call(t, h, "POST", "/evaluate", evalBody(t, "1+1")) }()
	<-held.started
	w := call(t, h, "POST", "/evaluate/batch", batchBody(t, "2+2"))
	problemOf(t, w, 429, abaco.CodeOverloaded)
	close(held.release)
	<-done
}

// TestEvaluateBatchSchemaBound checks that the OpenAPI document's bound on
// expressoes is MaxEvaluateBatch, which the struct tag repeats.
func TestEvaluateBatchSchemaBound(t *testing.T) {
	t.Parallel()
	w := call(t, newAPI(t, nil), "GET", "/openapi.json", "")
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					MaxItems int `json:"maxItems"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Components.Schemas["EvaluateBatchRequest"].Properties["expressoes"].MaxItems; got != httpapi.MaxEvaluateBatch {
		t.Fatalf("EvaluateBatchRequest.expressoes maxItems %d, want MaxEvaluateBatch %d", got, httpapi.MaxEvaluateBatch)
	}
}
