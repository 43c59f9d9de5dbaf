package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"abaco"
)

// bufPool holds the buffers request bodies are read into and responses are
// built in, so the hot path does not allocate them per request.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// evaluate serves POST /evaluate: read {"expressao"}, evaluate it through
// the cache, answer the result or its problem.
func (s *Server) evaluate(w http.ResponseWriter, r *http.Request) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	expression, err := s.readExpression(r, bp)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if err := s.startEvaluation(); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	res, err := s.ev.Evaluate(r.Context(), expression)
	s.running.Add(-1)
	// One header for the cache, the fact every client may want; the tier
	// is in the body, since net/http copies, sorts and writes every header
	// of every response.
	h := w.Header()
	if res.Cache != "" {
		h["X-Cache"] = xCache(res.Cache)
	}
	var resp Evaluation
	if err == nil {
		resp, err = newEvaluation(res)
	}
	if err != nil {
		s.answerProblem(w, r, err, evaluationProblem(err, res))
		return
	}
	b := resp.appendJSON((*bp)[:0])
	*bp = b
	// No Content-Length: net/http computes it for a body written in one
	// piece this small, without the allocations of setting it here.
	h["Content-Type"] = contentTypeJSON
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// startEvaluation takes one of the slots of the running evaluations, or
// fails with code overloaded when every one is taken; the caller gives it
// back with s.running.Add(-1).
func (s *Server) startEvaluation() error {
	if s.running.Add(1) > s.maxRunning {
		s.running.Add(-1)
		return abaco.Errorf(abaco.CodeOverloaded,
			"%d evaluations are already running; retry after %d s", s.maxRunning, s.retryAfter)
	}
	return nil
}

// Header values shared by every response, assigned to the header map as
// they are to save an allocation per request. They are shared: net/http
// only reads them, and no code may change one in place (h[k][0] = ... or
// append to h[k] would alter every later response); replace the map entry
// instead, as Header.Set does.
var (
	contentTypeJSON = []string{"application/json"}
	xCacheHit       = []string{"hit"}
	xCacheMiss      = []string{"miss"}
)

// xCache is the X-Cache header of a result: hit, or miss when the engine
// computed it (a bypass is a miss the cache did not keep).
func xCache(c abaco.CacheStatus) []string {
	if c == abaco.CacheHit {
		return xCacheHit
	}
	return xCacheMiss
}

// readExpression reads the body into *bp (readBody) and returns its
// expressao.
func (s *Server) readExpression(r *http.Request, bp *[]byte) (string, error) {
	b, err := s.readBody(r, bp)
	if err != nil {
		return "", err
	}
	return decodeExpression(b)
}

// readBody checks the Content-Type and reads the body within the size
// limit into *bp, which it returns.
func (s *Server) readBody(r *http.Request, bp *[]byte) ([]byte, error) {
	if err := checkJSONContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	if r.ContentLength > s.maxBody {
		return nil, tooLarge(s.maxBody)
	}
	b, err := readAll(r.Body, (*bp)[:0], s.maxBody+1)
	*bp = b
	if err != nil {
		return nil, abaco.Errorf(abaco.CodeInvalid, "reading the request body: %v", err)
	}
	if int64(len(b)) > s.maxBody {
		return nil, tooLarge(s.maxBody)
	}
	return b, nil
}

func tooLarge(limit int64) error {
	return abaco.Errorf(abaco.CodeTooLarge, "the request body is larger than %d bytes", limit)
}

// checkJSONContentType accepts application/json, any application/*+json and
// a missing Content-Type (the body is then assumed to be JSON).
func checkJSONContentType(ct string) error {
	if ct == "" || ct == "application/json" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return abaco.Errorf(abaco.CodeUnsupportedMediaType, "the request body must be application/json, not %q", ct)
}

// readAll is io.ReadAll into a caller's buffer, reading at most limit
// bytes.
func readAll(r io.Reader, b []byte, limit int64) ([]byte, error) {
	for int64(len(b)) < limit {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit)])
		b = b[:len(b)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				return b, nil
			}
			return b, err
		}
	}
	return b, nil
}
