package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"abaco"
)

// Bounds of the job endpoints, unless Config says otherwise.
const (
	// DefaultMaxWait caps a requested long wait (?wait=, Prefer: wait=).
	DefaultMaxWait = 60 * time.Second
	// DefaultMaxWaiters bounds the requests waiting at once per server;
	// past it a request answers at once, as if it had not asked to wait.
	DefaultMaxWaiters = 10000
	// MaxBatch is the most expressions of one POST /jobs and the most ids
	// of one GET /jobs?ids=.
	MaxBatch = 1000
)

// Shutdown releases every waiting request at once (they answer the jobs'
// current state) and makes later waits answer at once. abaco serve calls
// it when shutdown begins, through http.Server.RegisterOnShutdown, since
// http.Server.Shutdown would otherwise wait for each long wait to end.
func (s *Server) Shutdown() { s.stopWaits() }

// waitOf returns the wait a request asks for: ?wait= (a Go duration or
// whole seconds) wins over the Prefer header's wait=N (RFC 7240, seconds).
// preferred says it came from Prefer, which is then answered with
// Preference-Applied. A malformed ?wait= is an error; a malformed
// preference is ignored, as RFC 7240 lets a server ignore any.
func waitOf(r *http.Request) (d time.Duration, preferred bool, err error) {
	if q := r.URL.Query(); q.Has("wait") {
		v := q.Get("wait")
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, false, nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, false, abaco.Errorf(abaco.CodeInvalid, "wait must be a duration such as 30s or whole seconds, not %q", v)
		}
		return d, false, nil
	}
	for _, h := range r.Header.Values("Prefer") {
		for _, pref := range strings.Split(h, ",") {
			pref, _, _ = strings.Cut(pref, ";")
			name, v, ok := strings.Cut(strings.TrimSpace(pref), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "wait") {
				continue
			}
			n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(v), `"`))
			if err == nil && n >= 0 {
				return time.Duration(n) * time.Second, true, nil
			}
		}
	}
	return 0, false, nil
}

// waitJobs reads the jobs with ids, holding the request until all are
// finished when it asks to wait, within MaxWait, while fewer than
// MaxWaiters requests wait and until Shutdown.
func (s *Server) waitJobs(w http.ResponseWriter, r *http.Request, ids []string) ([]abaco.Job, error) {
	w.Header().Add("Vary", "Prefer")
	d, preferred, err := waitOf(r)
	if err != nil {
		return nil, err
	}
	d = min(d, s.maxWait)
	if d <= 0 || s.shutdownCtx.Err() != nil {
		return s.jobs.Jobs(r.Context(), ids)
	}
	if s.waiters.Add(1) > s.maxWaiters {
		s.waiters.Add(-1)
		return s.jobs.Jobs(r.Context(), ids)
	}
	defer s.waiters.Add(-1)
	if preferred {
		w.Header().Set("Preference-Applied", "wait="+strconv.Itoa(ceilSeconds(d)))
	}
	// The server's WriteTimeout counts from the end of the headers; a
	// long wait needs more time than that to write its answer.
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d + 10*time.Second)); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		s.logger.Debug("set write deadline", "error", err.Error())
	}
	ctx, cancel := context.WithTimeout(r.Context(), d)
	defer cancel()
	stop := context.AfterFunc(s.shutdownCtx, cancel)
	defer stop()
	return s.jobs.Wait(ctx, ids)
}

// listOrReadJobs serves GET /jobs: with ids, the batch read; without, the
// listing of recent jobs.
func (s *Server) listOrReadJobs(w http.ResponseWriter, r *http.Request) {
	if s.jobs == nil {
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeNotFound, "jobs are not enabled on this server"))
		return
	}
	q := r.URL.Query()
	if !q.Has("ids") {
		s.listJobs(w, r)
		return
	}
	var ids []string
	for _, v := range q["ids"] {
		for id := range strings.SplitSeq(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 || len(ids) > MaxBatch {
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeInvalid, "ids must list 1 to %d job ids separated by commas, not %d", MaxBatch, len(ids)))
		return
	}
	jobs, err := s.waitJobs(w, r, ids)
	if err != nil {
		s.writeProblem(w, r, s.dependencyError(w, r, "get jobs", err))
		return
	}
	out := JobList{Jobs: make([]JobStatus, len(jobs))}
	l := answerLang(w, r)
	for i, job := range jobs {
		if job.State == "" {
			out.Jobs[i] = JobStatus{ID: job.ID, Estado: StateNotFound}
			continue
		}
		out.Jobs[i] = jobStatus(requestID(w), l, job)
	}
	writeJSON(w, http.StatusOK, out)
}

// StateNotFound is the estado of an unknown or expired job in the answer
// of GET /jobs?ids=.
const StateNotFound abaco.JobState = "not_found"

// listJobs lists recent jobs. It shows other clients' work, so unlike
// GET /jobs/{id} it needs the admin token.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r, "GET /jobs without ids") {
		return
	}
	q := r.URL.Query()
	f := abaco.JobFilter{State: abaco.JobState(q.Get("state")), Cursor: q.Get("cursor"), Limit: abaco.DefaultJobListLimit}
	switch f.State {
	case "", abaco.JobQueued, abaco.JobRunning, abaco.JobDone, abaco.JobFailed, abaco.JobCancelled:
	default:
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeInvalid, "state must be queued, running, done, failed or cancelled, not %q", f.State))
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > abaco.MaxJobListLimit {
			s.writeProblem(w, r, abaco.Errorf(abaco.CodeInvalid, "limit must be 1 to %d, not %q", abaco.MaxJobListLimit, v))
			return
		}
		f.Limit = n
	}
	page, err := s.jobs.List(r.Context(), f)
	if err != nil {
		s.writeProblem(w, r, s.dependencyError(w, r, "list jobs", err))
		return
	}
	out := JobList{Jobs: make([]JobStatus, len(page.Jobs)), Next: page.Next}
	l := answerLang(w, r)
	for i, job := range page.Jobs {
		out.Jobs[i] = jobStatus(requestID(w), l, job)
	}
	if page.Next != "" {
		next := url.Values{"cursor": {page.Next}, "limit": {strconv.Itoa(f.Limit)}}
		if f.State != "" {
			next.Set("state", string(f.State))
		}
		w.Header().Set("Link", "</jobs?"+next.Encode()+`>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, out)
}

// cancelJob serves DELETE /jobs/{id}. Like GET /jobs/{id} it needs no
// token: the id is a 128-bit random capability, known only to whoever
// submitted the job (or was given its id), so holding it is the right to
// follow and to cancel the job.
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	if s.jobs == nil {
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeNotFound, "jobs are not enabled on this server"))
		return
	}
	job, err := s.jobs.Cancel(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeProblem(w, r, s.dependencyError(w, r, "cancel job", err))
		return
	}
	writeJSON(w, http.StatusOK, jobStatus(requestID(w), answerLang(w, r), job))
}

// idempotencyKey returns the Idempotency-Key of r
// (draft-ietf-httpapi-idempotency-key-header, a structured-field string,
// whose quotes are optional here): 1 to 255 printable ASCII characters.
func idempotencyKey(r *http.Request) (string, error) {
	v, ok := r.Header["Idempotency-Key"]
	if !ok {
		return "", nil
	}
	k := strings.TrimSpace(strings.Join(v, ","))
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	bad := len(k) < 1 || len(k) > 255
	for i := 0; i < len(k) && !bad; i++ {
		bad = k[i] < 0x20 || k[i] > 0x7e
	}
	if bad {
		return "", abaco.Errorf(abaco.CodeInvalid, "Idempotency-Key must be 1 to 255 printable ASCII characters")
	}
	return k, nil
}

// requireAdmin answers 404 when no admin token is configured (the
// endpoint does not exist) and 401 on a missing or wrong token, and
// reports whether the request may go on.
func (s *Server) requireAdmin(w http.ResponseWriter, r *http.Request, what string) bool {
	if s.adminToken == "" {
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeNotFound,
			"%s is disabled: start abaco serve with an admin token (ABACO_ADMIN_TOKEN) to enable it", what))
		return false
	}
	if !s.adminOK(r) {
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeUnauthorized,
			"%s needs the header Authorization: Bearer <ABACO_ADMIN_TOKEN>", what))
		return false
	}
	return true
}

// decodeSubmission extracts the expressions of a POST /jobs body: either
// {"expressao": "..."} (batch false) or {"expressoes": ["...", ...]}.
func decodeSubmission(body []byte) (exprs []string, batch bool, err error) {
	if s, ok := fastExpression(body); ok {
		return []string{s}, false, nil
	}
	invalid := func(format string, args ...any) ([]string, bool, error) {
		return nil, false, abaco.Errorf(abaco.CodeInvalid, format, args...)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return invalid(`the request body is empty; send {"expressao": "2+2"} or {"expressoes": ["2+2"]}`)
	case err != nil:
		return invalid("the request body is not the expected JSON object: %v", err)
	case tok != json.Delim('{'):
		return invalid(`the request body must be a JSON object such as {"expressao": "2+2"}`)
	}
	var one *string
	var many []string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return invalid("the request body is not the expected JSON object: %v", err)
		}
		name, _ := tok.(string)
		if name != "expressao" && name != "expressoes" {
			return invalid("the request body has an unknown member %q; the members are \"expressao\" or \"expressoes\"", name)
		}
		if seen[name] {
			return invalid("the request body has %q twice", name)
		}
		seen[name] = true
		if name == "expressao" {
			if err := dec.Decode(&one); err != nil || one == nil {
				return invalid(`"expressao" must be a string, such as "2+2"`)
			}
		} else if err := dec.Decode(&many); err != nil || many == nil {
			return invalid(`"expressoes" must be an array of strings, such as ["2+2", "3*4"]`)
		}
	}
	if _, err := dec.Token(); err != nil {
		return invalid("the request body is not the expected JSON object: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("the request body has data after the JSON object")
	}
	switch {
	case len(seen) == 2:
		return invalid(`the request body must have "expressao" or "expressoes", not both`)
	case one != nil:
		return []string{*one}, false, nil
	case many == nil:
		return invalid(`the request body has no "expressao" member; send {"expressao": "2+2"}`)
	case len(many) == 0 || len(many) > MaxBatch:
		return invalid(`"expressoes" must hold 1 to %d expressions, not %d`, MaxBatch, len(many))
	}
	return many, true, nil
}

// readSubmission reads a POST /jobs body (readBody) and decodes it.
func (s *Server) readSubmission(r *http.Request) ([]string, bool, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	b, err := s.readBody(r, bp)
	if err != nil {
		return nil, false, err
	}
	return decodeSubmission(b)
}
