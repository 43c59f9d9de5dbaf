package httpapi

import (
	"context"
	"net/http"
	"time"

	"abaco"
)

// The conditions of a Degradation: what is wrong with the dependency.
const (
	// ConditionUnreachable: the dependency does not answer.
	ConditionUnreachable = "unreachable"
	// ConditionWritesRefused: Redis answers reads but refuses writes
	// (OOM, READONLY, MISCONF); the reason is Redis's own text.
	ConditionWritesRefused = "writes_refused"
	// ConditionEvictingPolicy: the Redis that holds the job queue has a
	// maxmemory-policy that may delete its keys when memory is full.
	ConditionEvictingPolicy = "evicting_policy"
)

// unreachableReason is the public reason of an unreachable shared cache;
// the backend's own error (an address, a dial error) is for the logs.
const unreachableReason = "the shared cache (Redis) is unreachable; requests are evaluated without it"

// readyz serves GET /readyz: 200 while the server can answer
// POST /evaluate, which it can without the shared cache, so that a Redis
// outage does not pull every replica out of service at once. The body
// lists what the server is doing without or with less of: an unreachable
// shared cache (Cache), and Config.Degradations (a Redis refusing writes,
// an evicting maxmemory-policy). With ReadyRequiresSharedCache an
// unreachable shared cache is 503 instead. The check is bounded so a
// probe never hangs on a dead Redis.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	var degraded []Degradation
	if d, down := s.sharedCacheDown(r); down {
		if s.readyStrict {
			s.writeProblem(w, r, abaco.Errorf(abaco.CodeUnavailable, unreachableReason))
			return
		}
		degraded = append(degraded, d)
	}
	if s.degraded != nil {
		degraded = append(degraded, s.degraded()...)
	}
	if len(degraded) == 0 {
		writeJSON(w, http.StatusOK, Readiness{Status: "ready"})
		return
	}
	for i := range degraded {
		degraded[i].Since = degraded[i].Since.UTC().Truncate(time.Second)
	}
	writeJSON(w, http.StatusOK, Readiness{Status: "degraded", Degraded: degraded})
}

// sharedCacheDown checks the cache's shared tier and, when it does not
// answer, returns its degradation.
func (s *Server) sharedCacheDown(r *http.Request) (Degradation, bool) {
	if s.cache == nil {
		return Degradation{}, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.readyTO)
	err := s.cache.Ready(ctx)
	cancel()
	if err == nil {
		return Degradation{}, false
	}
	since, reason := s.cache.Degraded()
	s.logger.DebugContext(r.Context(), "shared cache degraded", "error", err, "last_failure", reason)
	if since.IsZero() {
		// Ready failed without the cache recording a failure (the probe's
		// own deadline ended first): the outage starts now as far as we know.
		since = time.Now()
	}
	return Degradation{Dependency: "redis", Condition: ConditionUnreachable, Since: since, Reason: unreachableReason}, true
}
