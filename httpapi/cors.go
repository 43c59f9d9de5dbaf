package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// cors answers the cross-origin requests of browsers (CORS) for the
// public API only: POST /evaluate, the /jobs of one's own jobs, the
// OpenAPI document and the problem pages. Administration (DELETE /cache,
// the GET /jobs listing, /metrics) never gets a CORS header, so no web
// page elsewhere can drive it from a browser whatever the token.
//
// It is written here rather than taken from github.com/rs/cors because
// what is allowed depends on the route (and, for GET /jobs, on the query),
// which the mux knows and a handler-wide middleware does not; the rules
// are a few lines, without a dependency.
type cors struct {
	any     bool            // "*": every origin
	origins map[string]bool // exact origins (scheme://host[:port])
}

// CORS headers sent with every public answer and preflight.
const (
	corsAllowHeaders  = "Content-Type, Idempotency-Key, Prefer, Accept-Language, X-Request-Id"
	corsExposeHeaders = "Location, Retry-After, X-Request-Id, X-Cache, Preference-Applied, RateLimit, RateLimit-Policy"
	// corsMaxAge is how long (seconds) a browser may keep a preflight's
	// answer; browsers cap it at 2 h (Chromium) or 24 h (Firefox).
	corsMaxAge = "7200"
)

// publicRoutes are the method patterns a page of another origin may call.
var publicRoutes = map[string]bool{
	"POST " + routeEvaluate:      true,
	"POST " + routeEvaluateBatch: true,
	"POST /jobs":                 true,
	"GET /jobs":                  true, // ?ids= only; see publicRequest
	"GET /jobs/{id}":             true,
	"DELETE /jobs/{id}":          true,
	"GET /openapi.json":          true,
	"GET /problems/{code}":       true,
}

// newCORS returns the CORS rules of origins, or nil (CORS off) for none.
// An origin of "*" allows any.
func newCORS(origins []string) *cors {
	c := &cors{origins: map[string]bool{}}
	for _, o := range origins {
		switch o = strings.TrimRight(strings.TrimSpace(o), "/"); o {
		case "":
		case "*":
			c.any = true
		default:
			c.origins[o] = true
		}
	}
	if !c.any && len(c.origins) == 0 {
		return nil
	}
	return c
}

// allowed reports whether origin may call the public API.
func (c *cors) allowed(origin string) bool {
	return origin != "" && (c.any || c.origins[origin])
}

// publicRequest reports whether r, served by pattern, is a call of the
// public API: GET /jobs lists every job (admin) unless it names ?ids=.
func publicRequest(pattern string, r *http.Request) bool {
	if pattern == "GET /jobs" {
		return r.URL.Query().Has("ids")
	}
	return publicRoutes[pattern]
}

// headers adds the CORS headers of an answer to r, a public request. The
// answer depends on Origin, so caches are told so even when it is absent.
func (c *cors) headers(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if !c.allowed(origin) {
		return
	}
	if c.any {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
}

// preflight answers r when it is a CORS preflight (OPTIONS with
// Access-Control-Request-Method) of a public request from an allowed
// origin: 204 with the methods of the path that are public. It reports
// whether it answered; other OPTIONS requests are left to the routes
// (which answer 405).
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) bool {
	want := r.Header.Get("Access-Control-Request-Method")
	if r.Method != http.MethodOptions || want == "" || !s.cors.allowed(r.Header.Get("Origin")) {
		return false
	}
	var methods []string
	route := ""
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		_, pattern := s.mux.Handler(probe)
		if publicRequest(pattern, probe) {
			methods = append(methods, m)
			_, route, _ = strings.Cut(pattern, " ")
		}
	}
	if !slices.Contains(methods, want) {
		return false
	}
	setRoute(w, route)
	s.cors.headers(w, r)
	h := w.Header()
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
	return true
}
