package httpapi

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"abaco"
)

// submitJob serves POST /jobs: enqueue the expression, answer 202 with the
// job's id and where to follow it. The client's rate limit is checked
// first, before the body is read, so a refused flood costs little; the
// bound on queued jobs is checked by the broker where the job is pushed
// (429 queue_full), and a broker that cannot be reached is 503.
func (s *Server) submitJob(w http.ResponseWriter, r *http.Request) {
	if s.jobs == nil {
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeNotFound, "jobs are not enabled on this server"))
		return
	}
	if s.jobLimit != nil {
		v := s.jobLimit.allow(clientOf(r))
		s.jobLimit.setHeaders(w.Header(), v)
		if !v.ok {
			s.writeProblem(w, r, abaco.Errorf(abaco.CodeRateLimited,
				"this client sent more than %d jobs at once or %g a second; retry after the Retry-After seconds",
				s.jobLimit.burst, float64(s.jobLimit.rate)))
			return
		}
	}
	key, err := idempotencyKey(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	exprs, batch, err := s.readSubmission(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	// A batch of n costs n tokens, but at most the whole bucket: AllowN
	// refuses more than the burst outright, which would make batches
	// larger than it impossible. Such a batch empties the bucket, so the
	// client's next submission waits for it to refill; the queue's bound
	// still caps what all clients together can enqueue.
	if s.jobLimit != nil && len(exprs) > 1 {
		v := s.jobLimit.allowN(clientOf(r), min(len(exprs), s.jobLimit.burst)-1)
		s.jobLimit.setHeaders(w.Header(), v)
		if !v.ok {
			s.writeProblem(w, r, abaco.Errorf(abaco.CodeRateLimited,
				"this client has fewer tokens left than the %d expressions of the batch; retry after the Retry-After seconds", len(exprs)))
			return
		}
	}
	var jobs []abaco.Job
	if key == "" && !batch {
		var job abaco.Job
		job, err = s.jobs.Submit(r.Context(), exprs[0])
		jobs = []abaco.Job{job}
	} else {
		jobs, err = s.jobs.SubmitBatch(r.Context(), exprs, abaco.SubmitOptions{IdempotencyKey: key})
	}
	if err != nil {
		s.writeProblem(w, r, s.dependencyError(w, r, "submit job", err))
		return
	}
	if batch {
		out := JobsAccepted{Jobs: make([]JobAccepted, len(jobs))}
		for i, job := range jobs {
			out.Jobs[i] = JobAccepted{ID: job.ID, Estado: job.State, URL: jobURL(job.ID), SemWorker: job.NoWorker}
		}
		writeJSON(w, http.StatusAccepted, out)
		return
	}
	job := jobs[0]
	loc := jobURL(job.ID)
	accepted := JobAccepted{ID: job.ID, Estado: job.State, URL: loc, SemWorker: job.NoWorker}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	*bp = accepted.appendJSON((*bp)[:0])
	// As in evaluate: the shared Content-Type, and net/http computes the
	// Content-Length of a body written in one piece.
	h := w.Header()
	h["Location"] = []string{loc}
	h["Content-Type"] = contentTypeJSON
	w.WriteHeader(http.StatusAccepted)
	w.Write(*bp)
}

// getJob serves GET /jobs/{id}.
func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	if s.jobs == nil {
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeNotFound, "jobs are not enabled on this server"))
		return
	}
	id := r.PathValue("id")
	jobs, err := s.waitJobs(w, r, []string{id})
	if err != nil {
		s.writeProblem(w, r, s.dependencyError(w, r, "get job", err))
		return
	}
	job := jobs[0]
	if job.State == "" {
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeNotFound, "no job %q: it never existed or its result has expired", id))
		return
	}
	writeJSON(w, http.StatusOK, jobStatus(requestID(w), answerLang(w, r), job))
}

// answerLang returns the language of the problems inside r's answer (a
// job's state, a batch's items; see localize), and marks the answer as
// varying with Accept-Language. It is called once per response.
func answerLang(w http.ResponseWriter, r *http.Request) lang {
	w.Header().Add("Vary", "Accept-Language")
	return requestLang(r)
}

// jobStatus converts a job to its JSON form, a failed job's problem in l.
// A done job whose value JSON cannot carry (inf, nan) is shown failed with
// the not_finite problem, as POST /evaluate would answer it.
func jobStatus(reqID string, l lang, job abaco.Job) JobStatus {
	st := JobStatus{
		ID: job.ID, Estado: job.State, Expressao: job.Expression, Tentativas: job.Attempts,
		CriadoEm: job.CreatedAt, AtualizadoEm: job.UpdatedAt, SemWorker: job.NoWorker,
	}
	switch {
	case job.State == abaco.JobDone && job.Result != nil:
		st.Avaliacao, st.Erro = outcome(reqID, l, *job.Result, nil)
	case job.State == abaco.JobFailed:
		fail := job.Err
		if fail == nil {
			fail = abaco.Errorf(abaco.CodeInternal, "job failed without an error")
		}
		st.Avaliacao, st.Erro = outcome(reqID, l, abaco.Result{}, fail)
	}
	if st.Erro != nil {
		st.Estado = abaco.JobFailed
	}
	return st
}

// outcome is the JSON form of an evaluation that gave res or failed with
// err: the result, or the problem POST /evaluate would answer (in l), as
// for a value JSON cannot carry (inf, nan).
func outcome(reqID string, l lang, res abaco.Result, err error) (*Evaluation, *Problem) {
	if err == nil {
		resp, verr := newEvaluation(res)
		if verr == nil {
			return &resp, nil
		}
		err = verr
	}
	p := localize(evaluationProblem(err, res), l)
	p.RequestID = reqID
	return nil, &p
}

// bearerToken returns the token of an Authorization header of the Bearer
// scheme, whose name is case-insensitive (RFC 9110, section 11.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// adminOK reports whether r carries the admin token.
func (s *Server) adminOK(r *http.Request) bool {
	token, ok := bearerToken(r.Header.Get("Authorization"))
	return ok && subtle.ConstantTimeCompare([]byte(token), []byte(s.adminToken)) == 1
}

// jobURL is the status URL of a job.
func jobURL(id string) string { return "/jobs/" + url.PathEscape(id) }

// flushCache serves DELETE /cache: with the admin token, remove abaco's
// cache entries. With no token configured the endpoint does not exist.
func (s *Server) flushCache(w http.ResponseWriter, r *http.Request) {
	if s.cache == nil {
		s.writeProblem(w, r, abaco.Errorf(abaco.CodeNotFound, "DELETE /cache is disabled: this server has no cache"))
		return
	}
	if !s.requireAdmin(w, r, "DELETE /cache") {
		return
	}
	n, err := s.cache.Flush(r.Context())
	if err != nil {
		s.writeProblem(w, r, s.dependencyError(w, r, "flush cache", err))
		return
	}
	writeJSON(w, http.StatusOK, CacheFlushed{Removidas: n})
}

// healthz serves GET /healthz: the process is alive.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, Status{Status: "ok"})
}

// dependencyError classifies the failure of a service call. Errors without
// an abaco code come from the backend (Redis down, a timeout): they are
// logged in full and answered 503 unavailable, with no internals shown.
func (s *Server) dependencyError(w http.ResponseWriter, r *http.Request, op string, err error) error {
	if abaco.ErrorCode(err) != abaco.CodeInternal {
		return err
	}
	s.logger.LogAttrs(r.Context(), slog.LevelError, op,
		slog.String("request_id", requestID(w)), slog.String("error", err.Error()))
	return abaco.Errorf(abaco.CodeUnavailable, "%s failed: the backend is unavailable; retry later", op)
}
