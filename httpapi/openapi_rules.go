package httpapi

import (
	"maps"

	"github.com/danielgtaylor/huma/v2"
)

// adminScheme names the bearer security scheme of the admin token.
const adminScheme = "adminToken"

// sharedHeaders returns the response headers that many answers carry,
// declared once under components/headers.
func sharedHeaders() map[string]*huma.Header {
	return map[string]*huma.Header{
		"X-Request-Id": {
			Description: "The request id: the client's own X-Request-Id when it sent a sane one (letters, digits, -_.:, at most 128 bytes), echoed on every answer; " +
				"otherwise a new one on every problem (it is also the problem's request_id) and, with --log-requests, on every answer.",
			Schema: &huma.Schema{Type: huma.TypeString},
		},
		"Retry-After": {
			Description: "Seconds to wait before retrying.",
			Schema:      &huma.Schema{Type: huma.TypeInteger, Examples: []any{1}},
		},
		"Content-Language": {
			Description: "The language of the problem's title and detail: en, or pt-BR when Accept-Language asks for Portuguese.",
			Schema:      &huma.Schema{Type: huma.TypeString, Enum: []any{"en", "pt-BR"}},
		},
		"WWW-Authenticate": {
			Description: "The scheme the admin token is sent with.",
			Schema:      &huma.Schema{Type: huma.TypeString, Examples: []any{`Bearer realm="abaco"`}},
		},
	}
}

// headerRef refers to one of sharedHeaders.
func headerRef(name string) *huma.Header {
	return &huma.Header{Ref: "#/components/headers/" + name}
}

// applyRules adds to every operation of doc what the middleware and the
// problem writer (sendProblem) do for every request, so that no operation
// can leave one out: an explicit security of none where the operation
// needs no token, a 500 (any handler's panic is recovered as one),
// X-Request-Id on every answer, Content-Language on every problem,
// Retry-After on 429 and 503, WWW-Authenticate on 401.
func applyRules(doc *huma.OpenAPI, problem *huma.Schema) {
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Delete} {
			if op == nil {
				continue
			}
			if op.Security == nil {
				op.Security = []map[string][]string{} // security: [], not absent
			}
			if op.Responses["500"] == nil {
				op.Responses["500"] = &huma.Response{
					Description: "A bug (code internal); details are only in the server's log.",
					Content:     map[string]*huma.MediaType{"application/problem+json": {Schema: problem}},
				}
			}
			for code, resp := range op.Responses {
				h := maps.Clone(resp.Headers)
				if h == nil {
					h = map[string]*huma.Header{}
				}
				h["X-Request-Id"] = headerRef("X-Request-Id")
				if _, ok := resp.Content["application/problem+json"]; ok {
					h["Content-Language"] = headerRef("Content-Language")
				}
				switch code {
				case "429", "503":
					h["Retry-After"] = headerRef("Retry-After")
				case "401":
					h["WWW-Authenticate"] = headerRef("WWW-Authenticate")
				}
				resp.Headers = h
			}
		}
	}
}
