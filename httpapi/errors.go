package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"abaco"
)

// codeMethodNotAllowed is the one HTTP-only code: a known path asked with a
// method it does not serve. It lives here, not in package abaco, because no
// service below the HTTP layer can produce it.
const codeMethodNotAllowed abaco.Code = "method_not_allowed"

// problemKind is one row of the error table: the HTTP status a code maps to
// and the short, fixed title of its problem type.
type problemKind struct {
	status int
	title  string
}

// problemKinds is the error table: every abaco code and the HTTP status and
// title it is answered with. It is the only place where codes meet statuses.
//
// Evaluation failures are 422: the request was well formed but its
// expression cannot be evaluated. A request that is not the documented JSON
// object (malformed JSON, unknown member, missing or non-string expressao)
// is 400. A limit breach is 422 with code limit, since the body was
// accepted; 413 is reserved for bodies over the byte limit.
var problemKinds = map[abaco.Code]problemKind{
	abaco.CodeSyntax:               {http.StatusUnprocessableEntity, "Invalid expression syntax"},
	abaco.CodeDivisionByZero:       {http.StatusUnprocessableEntity, "Division by zero"},
	abaco.CodeOverflow:             {http.StatusUnprocessableEntity, "Numerical result out of range"},
	abaco.CodeDomain:               {http.StatusUnprocessableEntity, "Math domain error"},
	abaco.CodeType:                 {http.StatusUnprocessableEntity, "Unsupported operand or argument type"},
	abaco.CodeName:                 {http.StatusUnprocessableEntity, "Unknown name"},
	abaco.CodeLimit:                {http.StatusUnprocessableEntity, "Expression exceeds a limit"},
	abaco.CodeNotFinite:            {http.StatusUnprocessableEntity, "Result is not a finite number"},
	abaco.CodeInvalid:              {http.StatusBadRequest, "Invalid request"},
	abaco.CodeTooLarge:             {http.StatusRequestEntityTooLarge, "Request body too large"},
	abaco.CodeUnsupportedMediaType: {http.StatusUnsupportedMediaType, "Unsupported media type"},
	abaco.CodeNotFound:             {http.StatusNotFound, "Not found"},
	codeMethodNotAllowed:           {http.StatusMethodNotAllowed, "Method not allowed"},
	abaco.CodeUnauthorized:         {http.StatusUnauthorized, "Unauthorized"},
	abaco.CodeConflict:             {http.StatusConflict, "Conflict"},
	abaco.CodeIdempotencyMismatch:  {http.StatusUnprocessableEntity, "Idempotency key reused"},
	abaco.CodeOverloaded:           {http.StatusTooManyRequests, "Too many concurrent evaluations"},
	abaco.CodeQueueFull:            {http.StatusTooManyRequests, "Job queue full"},
	abaco.CodeRateLimited:          {http.StatusTooManyRequests, "Rate limit exceeded"},
	abaco.CodeUnavailable:          {http.StatusServiceUnavailable, "Service unavailable"},
	abaco.CodeInternal:             {http.StatusInternalServerError, "Internal error"},
}

// problemFor returns the table row of code; unknown codes are internal.
func problemFor(code abaco.Code) problemKind {
	if k, ok := problemKinds[code]; ok {
		return k
	}
	return problemKinds[abaco.CodeInternal]
}

// problemTypePrefix starts every problem's type URI. It is a path on the
// service itself: GET /problems/{code} describes the code.
const problemTypePrefix = "/problems/"

// Problem is an RFC 9457 problem details object, the body of every error
// response (Content-Type application/problem+json).
type Problem struct {
	// Type identifies the kind of problem: "/problems/" + Code.
	Type string `json:"type" doc:"URI reference naming the problem type: /problems/{code}."`
	// Title is the fixed summary of the problem type.
	Title string `json:"title" doc:"Short summary of the problem type; the same for every occurrence."`
	// Status repeats the HTTP status code.
	Status int `json:"status" doc:"The HTTP status code."`
	// Detail explains this occurrence.
	Detail string `json:"detail" doc:"Human-readable explanation of this occurrence."`
	// Code is abaco's stable, machine-readable error code.
	Code abaco.Code `json:"code" doc:"Stable machine-readable error code; clients switch on it." enum:"syntax,division_by_zero,overflow,domain,type,name,limit,not_finite,invalid,too_large,unsupported_media_type,not_found,method_not_allowed,unauthorized,conflict,idempotency_mismatch,overloaded,queue_full,rate_limited,unavailable,internal"`
	// Column is the 1-based column of a syntax error in the expression.
	Column int `json:"column,omitempty" doc:"For code syntax: the 1-based column (in characters) of the error in the expression."`
	// Repr is the Python text of a non-finite result (code not_finite).
	Repr string `json:"repr,omitempty" doc:"For code not_finite: the Python repr of the value (inf, -inf or nan)."`
	// Expression is the canonical expression, when the input parsed.
	Expression string `json:"expressao_canonica,omitempty" doc:"The canonical form of the expression, when it parsed."`
	// RequestID identifies the request in the server's logs.
	RequestID string `json:"request_id,omitempty" doc:"The request id (also in the X-Request-Id header and the server's logs)."`
}

// newProblem builds the problem for err. Errors without an abaco code are
// internal: their text is for the logs only, never for the client.
func newProblem(err error) Problem {
	code := abaco.ErrorCode(err)
	kind := problemFor(code)
	p := Problem{
		Type:   problemTypePrefix + string(code),
		Title:  kind.title,
		Status: kind.status,
		Detail: abaco.ErrorMessage(err),
		Code:   code,
	}
	var e *abaco.Error
	if errors.As(err, &e) {
		if code == abaco.CodeInternal {
			p.Detail = "internal error"
		}
		p.Column = e.Column
	}
	return p
}

// evaluationProblem is the problem of an evaluation that failed with err,
// as POST /evaluate answers it and a failed job shows it: with the
// canonical expression when the input parsed and, for not_finite (inf or
// nan, which a JSON number cannot carry), the value's repr.
func evaluationProblem(err error, res abaco.Result) Problem {
	p := newProblem(err)
	p.Expression = res.Expression
	if p.Code == abaco.CodeNotFinite {
		p.Repr = res.Value
	}
	return p
}

// writeProblem answers err as problem+json.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	s.answerProblem(w, r, err, newProblem(err))
}

// answerProblem answers p, the problem of err. An internal error is logged
// here with its full text, since the client only sees "internal error";
// every failed request is also logged by observe, with its status.
func (s *Server) answerProblem(w http.ResponseWriter, r *http.Request, err error, p Problem) {
	p.RequestID = requestID(w)
	if p.Code == abaco.CodeInternal {
		s.logger.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", p.RequestID), slog.String("error", err.Error()))
	}
	s.sendProblem(w, r, p)
}

// sendProblem writes p as the response, with the headers its code calls
// for, in the language r asks for (see localize).
func (s *Server) sendProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	h := w.Header()
	l := requestLang(r)
	p = localize(p, l)
	h.Add("Vary", "Accept-Language")
	h.Set("Content-Language", l.tag())
	switch p.Code {
	case abaco.CodeOverloaded, abaco.CodeUnavailable, abaco.CodeQueueFull:
		h.Set("Retry-After", strconv.Itoa(s.retryAfter))
	case abaco.CodeRateLimited:
		// The limiter has set it: when this client's next token comes.
		if h.Get("Retry-After") == "" {
			h.Set("Retry-After", strconv.Itoa(s.retryAfter))
		}
	case abaco.CodeUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="abaco"`)
	}
	body := marshal(p)
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(p.Status)
	w.Write(body)
}

// describeProblem serves GET /problems/{code}: the type URI of every
// problem resolves to a short description of it.
func (s *Server) describeProblem(w http.ResponseWriter, r *http.Request) {
	code := abaco.Code(r.PathValue("code"))
	kind, ok := problemKinds[code]
	if !ok {
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeNotFound, "no problem type %q", code))
		return
	}
	l := requestLang(r)
	title := kind.title
	if l == langPT {
		title = titlesPT[code]
	}
	w.Header().Add("Vary", "Accept-Language")
	w.Header().Set("Content-Language", l.tag())
	writeJSON(w, http.StatusOK, ProblemType{
		Type: problemTypePrefix + string(code), Code: code, Title: title, Status: kind.status,
	})
}

// ProblemType describes one problem type (GET /problems/{code}).
type ProblemType struct {
	Type   string     `json:"type" doc:"The problem type URI."`
	Code   abaco.Code `json:"code" doc:"The error code."`
	Title  string     `json:"title" doc:"The title of every problem of this type."`
	Status int        `json:"status" doc:"The HTTP status this code is answered with."`
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body := marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// marshal encodes v as one line of JSON, leaving <, > and & as they are
// (the bodies are JSON, never HTML).
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("httpapi: marshal response: " + err.Error()) // a bug; recovered as a 500
	}
	return b.Bytes()
}
