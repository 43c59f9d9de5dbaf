package httpapi_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"abaco/cache"
	"abaco/httpapi"
	"abaco/inmem"
	"abaco/queue"
)

// openAPIDoc is the part of the OpenAPI document the rules below read.
type openAPIDoc struct {
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Paths map[string]map[string]struct {
		OperationID string                 `json:"operationId"`
		Security    *[]map[string][]string `json:"security"`
		Responses   map[string]struct {
			Headers map[string]json.RawMessage `json:"headers"`
			Content map[string]json.RawMessage `json:"content"`
		} `json:"responses"`
	} `json:"paths"`
	Components struct {
		Schemas         map[string]json.RawMessage `json:"schemas"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

func servedOpenAPI(t *testing.T, h *httpapi.Server) openAPIDoc {
	t.Helper()
	w := call(t, h, "GET", "/openapi.json", "")
	var doc openAPIDoc
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAPIRules checks the rules that generated clients rely on and a
// linter cannot know: every operation says which token it needs (the admin
// ones the admin token), and every answer declares the headers the server
// sends with it.
func TestOpenAPIRules(t *testing.T) {
	t.Parallel()
	doc := servedOpenAPI(t, newAPI(t, nil))
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers %+v, want the one relative URL /", doc.Servers)
	}
	// The operations that call requireAdmin; GET /jobs only for a listing.
	admin := map[string]string{"delete /cache": "admin", "get /jobs": "either"}
	ids := map[string]string{}
	for path, item := range doc.Paths {
		for method, op := range item {
			name := method + " " + path
			if prev, ok := ids[strings.ToLower(op.OperationID)]; ok {
				t.Errorf("%s and %s share the operation id %s", prev, name, op.OperationID)
			}
			ids[strings.ToLower(op.OperationID)] = name
			// The names oapi-codegen gives the types of each operation.
			for _, suffix := range []string{"Response", "Params", "JSONBody", "JSONRequestBody"} {
				if _, ok := doc.Components.Schemas[strings.ToUpper(op.OperationID[:1])+op.OperationID[1:]+suffix]; ok {
					t.Errorf("%s: a schema is named like the client's type %s%s of operation %s", name, op.OperationID, suffix, op.OperationID)
				}
			}
			if op.Security == nil {
				t.Errorf("%s declares no security (want [] when no token is needed)", name)
			} else {
				sec, _ := json.Marshal(*op.Security)
				want := map[string]string{"": `[]`, "admin": `[{"adminToken":[]}]`, "either": `[{},{"adminToken":[]}]`}[admin[name]]
				if string(sec) != want {
					t.Errorf("%s: security %s, want %s", name, sec, want)
				}
			}
			if _, ok := op.Responses["500"]; !ok {
				t.Errorf("%s declares no 500", name)
			}
			for code, resp := range op.Responses {
				need := []string{"X-Request-Id"}
				if _, ok := resp.Content["application/problem+json"]; ok {
					need = append(need, "Content-Language")
				}
				switch code {
				case "429", "503":
					need = append(need, "Retry-After")
				case "401":
					need = append(need, "WWW-Authenticate")
				case "202":
					need = append(need, "Location")
				}
				for _, h := range need {
					if _, ok := resp.Headers[h]; !ok {
						t.Errorf("%s %s does not declare the header %s", name, code, h)
					}
				}
			}
		}
	}
	if _, ok := doc.Components.SecuritySchemes["adminToken"]; !ok {
		t.Error("no security scheme adminToken")
	}
}

// TestOpenAPIDeclaresAnswers sends requests that provoke the errors of
// each operation and checks that the document declares each status got,
// with the headers of the answer that it names.
func TestOpenAPIDeclaresAnswers(t *testing.T) {
	t.Parallel()
	h := newAPI(t, func(c *httpapi.Config, cc *cache.Cache) {
		c.Jobs = queue.NewJobs(inmem.NewBroker(), cc, queue.JobOptions{})
		c.AdminToken = "secret"
		c.JobRate = 1
		c.JobBurst = 1
	})
	noJobs := newAPI(t, nil)
	doc := servedOpenAPI(t, h)
	for _, tt := range []struct {
		h                  *httpapi.Server
		method, path, body string
		op                 string // the documented operation, as "method path"
		headers            []string
	}{
		{h, "POST", "/evaluate", `{"expressao": "1/0"}`, "post /evaluate", nil},
		{h, "POST", "/evaluate", `{"x": 1}`, "post /evaluate", nil},
		{h, "POST", "/evaluate", `{"expressao": "1"}`, "post /evaluate", []string{"Content-Type", "text/plain"}},
		{h, "POST", "/jobs", `{"expressao": "1"}`, "post /jobs", nil},
		{h, "POST", "/jobs", `{"expressao": "1"}`, "post /jobs", nil}, // over the burst of 1
		{noJobs, "POST", "/jobs", `{"expressao": "1"}`, "post /jobs", nil},
		{h, "GET", "/jobs/nope", "", "get /jobs/{id}", nil},
		{h, "GET", "/jobs/nope?wait=soon", "", "get /jobs/{id}", nil},
		{h, "GET", "/jobs", "", "get /jobs", nil},
		{h, "GET", "/jobs", "", "get /jobs", []string{"Authorization", "Bearer secret"}},
		{h, "GET", "/jobs?ids=a&limit=x", "", "get /jobs", nil},
		{noJobs, "GET", "/jobs", "", "get /jobs", nil},
		{h, "DELETE", "/jobs/nope", "", "delete /jobs/{id}", nil},
		{h, "DELETE", "/cache", "", "delete /cache", nil},
		{h, "DELETE", "/cache", "", "delete /cache", []string{"Authorization", "Bearer secret"}},
		{noJobs, "DELETE", "/cache", "", "delete /cache", []string{"Authorization", "Bearer secret"}},
		{h, "GET", "/problems/nope", "", "get /problems/{code}", nil},
		{h, "GET", "/readyz", "", "get /readyz", nil},
	} {
		w := call(t, tt.h, tt.method, tt.path, tt.body, tt.headers...)
		method, path, _ := strings.Cut(tt.op, " ")
		resp, ok := doc.Paths[path][method].Responses[strconv.Itoa(w.Code)]
		if !ok {
			t.Errorf("%s %s answered %d, which %s does not declare: %s", tt.method, tt.path, w.Code, tt.op, w.Body.String())
			continue
		}
		for _, name := range []string{"Retry-After", "WWW-Authenticate", "Location", "Link", "Preference-Applied", "RateLimit", "X-Cache"} {
			if _, declared := resp.Headers[name]; w.Header().Get(name) != "" && !declared {
				t.Errorf("%s %s: %d sends %s, which %s does not declare", tt.method, tt.path, w.Code, name, tt.op)
			}
		}
	}
}
