package httpapi_test

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
)

// TestOpenAPIInPortuguese checks over HTTP that /openapi.json?lang=pt-BR
// has Portuguese summaries for POST /evaluate and POST /jobs and is
// otherwise the English document: the same JSON once every summary and
// description is removed.
func TestOpenAPIInPortuguese(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newAPI(t, nil))
	t.Cleanup(srv.Close)
	get := func(path, wantLang string) map[string]any {
		t.Helper()
		w := callHTTP(t, srv, "GET", path, "")
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("GET %s: %d %q", path, w.Code, w.Header().Get("Content-Type"))
		}
		if got := w.Header().Get("Content-Language"); got != wantLang {
			t.Errorf("GET %s: Content-Language %q, want %q", path, got, wantLang)
		}
		var doc map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return doc
	}
	en := get("/openapi.json", "en")
	pt := get("/openapi.json?lang=pt-BR", "pt-BR")
	if again := get("/openapi.json?lang=pt", "pt-BR"); !reflect.DeepEqual(again, pt) {
		t.Error("?lang=pt and ?lang=pt-BR answer different documents")
	}

	op := func(doc map[string]any, path, method string) map[string]any {
		t.Helper()
		o, ok := doc["paths"].(map[string]any)[path].(map[string]any)[method].(map[string]any)
		if !ok {
			t.Fatalf("no %s %s in the document", method, path)
		}
		return o
	}
	for _, tt := range []struct{ path, method, summary, description string }{
		{"/evaluate", "post", "Avaliar uma expressão", "Avalia a expressão como o Python 3.11 faria"},
		{"/jobs", "post", "Enviar uma expressão para avaliação assíncrona", "Enfileira um job de avaliação"},
		{"/jobs/{id}", "get", "Consultar o estado e o resultado de um job", ""},
	} {
		o := op(pt, tt.path, tt.method)
		if o["summary"] != tt.summary {
			t.Errorf("%s %s: summary %q, want %q", tt.method, tt.path, o["summary"], tt.summary)
		}
		if d, _ := o["description"].(string); len(d) < len(tt.description) || d[:len(tt.description)] != tt.description {
			t.Errorf("%s %s: description %q, want it to start %q", tt.method, tt.path, d, tt.description)
		}
	}
	if got := op(en, "/evaluate", "post")["summary"]; got != "Evaluate an expression" {
		t.Errorf("English summary of POST /evaluate is %q", got)
	}

	strip(en)
	strip(pt)
	if !reflect.DeepEqual(en, pt) {
		a, _ := json.Marshal(en)
		b, _ := json.Marshal(pt)
		t.Errorf("the documents differ beyond their summaries and descriptions:\nen %s\npt %s", a, b)
	}
}

// strip removes, in place, every string member summary or description.
func strip(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if _, ok := x.(string); ok && (k == "summary" || k == "description") {
				delete(v, k)
				continue
			}
			strip(x)
		}
	case []any:
		for _, x := range v {
			strip(x)
		}
	}
}
