package httpapi

import (
	"embed"
	"net/http"
	"path"
	"strconv"

	"abaco"
)

// docsFS holds the /docs page and the Swagger UI assets (npm package
// swagger-ui-dist, version in docs/assets/VERSION; docs/update.sh refreshes
// them). They are embedded so /docs works with no internet.
//
//go:embed docs/index.html docs/init.js docs/assets
var docsFS embed.FS

// docsCSP forbids the /docs page any request to another origin, so a
// browser never contacts a CDN or validator on its behalf. Swagger UI needs
// inline styles and data: images.
const docsCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// serveDocs serves GET /docs (the page) and GET /docs/{file} (its assets).
func (s *Server) serveDocs(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	var file string
	switch name {
	case "":
		file = "docs/index.html"
	case "init.js":
		file = "docs/init.js"
	default:
		file = path.Join("docs/assets", path.Base(name))
	}
	b, err := docsFS.ReadFile(file)
	if err != nil || name == "VERSION" {
		s.writeProblem(w, r, errNoDoc(name))
		return
	}
	h := w.Header()
	h.Set("Content-Type", docsContentType(file))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	if name != "" {
		// The assets change only with the binary.
		h.Set("Cache-Control", "public, max-age=3600")
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

func docsContentType(file string) string {
	switch path.Ext(file) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".png":
		return "image/png"
	default:
		return "text/plain; charset=utf-8"
	}
}

// serveOpenAPI serves GET /openapi.json, built once in New, and with
// ?lang=pt-BR (or pt) its Portuguese form. The language is chosen by the
// query, not Accept-Language, so a URL always names one document.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	l := langEN
	if q := r.URL.Query().Get("lang"); q != "" {
		l = parseAcceptLanguage(q)
	}
	doc := s.openapi
	if l == langPT {
		doc = s.openapiPT
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Language", l.tag())
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(http.StatusOK)
	w.Write(doc)
}

func errNoDoc(name string) error {
	return abaco.Errorf(abaco.CodeNotFound, "no such documentation file: %s", name)
}
