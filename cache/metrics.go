package cache

import (
	"github.com/prometheus/client_golang/prometheus"

	"abaco"
)

// metrics are the cache's Prometheus instruments. Label values are resolved
// once here so that counting on the hot path is a single atomic add.
type metrics struct {
	localHit, localMiss   prometheus.Counter
	sharedHit, sharedMiss prometheus.Counter
	bypass                prometheus.Counter
	writes, writesDropped prometheus.Counter
	sharedErrors          *prometheus.CounterVec
	evalErrors            *prometheus.CounterVec
	breakerState          *prometheus.GaugeVec
	// sharedUp is abaco_dependency_up{dependency="redis"}; it is set at
	// the shared tier's first operation, so a cache without one exports
	// no series.
	sharedUp *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	lookups := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "abaco_cache_lookups_total",
		Help: "Cache lookups by tier (local, shared) and result (hit, miss).",
	}, []string{"tier", "result"})
	bypass := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "abaco_cache_bypass_total",
		Help: "Evaluations whose outcome may not be cached (limit breaches, internal errors).",
	})
	writes := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "abaco_cache_shared_writes_total",
		Help: "Entries written to the shared tier (Redis), behind the answers.",
	})
	writesDropped := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "abaco_cache_shared_writes_dropped_total",
		Help: "Entries not written to the shared tier: its writes failed, its circuit breaker was open, or the write queue was full.",
	})
	sharedErrors := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "abaco_cache_shared_errors_total",
		Help: "Failed or timed-out operations on the shared tier (Redis), by operation; the request went on without it.",
	}, []string{"op"})
	evalErrors := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "abaco_eval_errors_total",
		Help: "Evaluations answered with an error, by error code (from the cache or computed).",
	}, []string{"code"})
	state := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "abaco_cache_breaker_state",
		Help: "State of the shared tier's circuit breaker: 1 for the current state (closed, open, half_open), 0 for the others.",
	}, []string{"state"})
	up := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "abaco_dependency_up",
		Help: "Whether a dependency answers (1) or is failing (0); evaluations go on without it. dependency: redis (the shared cache tier).",
	}, []string{"dependency"})
	if reg != nil {
		reg.MustRegister(lookups, bypass, writes, writesDropped, sharedErrors, evalErrors, state, up)
	}
	for _, op := range []string{"get", "set", "flush", "ping"} {
		sharedErrors.WithLabelValues(op)
	}
	m := &metrics{
		localHit:      lookups.WithLabelValues(tierLocal, "hit"),
		localMiss:     lookups.WithLabelValues(tierLocal, "miss"),
		sharedHit:     lookups.WithLabelValues(tierShared, "hit"),
		sharedMiss:    lookups.WithLabelValues(tierShared, "miss"),
		bypass:        bypass,
		writes:        writes,
		writesDropped: writesDropped,
		sharedErrors:  sharedErrors,
		evalErrors:    evalErrors,
		breakerState:  state,
		sharedUp:      up,
	}
	m.breakerIs(closed)
	return m
}

// breakerIs sets the breaker state series: 1 for s, 0 for the others.
func (m *metrics) breakerIs(s breakerState) {
	for _, st := range []breakerState{closed, open, halfOpen} {
		v := 0.0
		if st == s {
			v = 1
		}
		m.breakerState.WithLabelValues(st.label()).Set(v)
	}
}

// sharedIs sets abaco_dependency_up of the shared tier.
func (m *metrics) sharedIs(up bool) {
	v := 0.0
	if up {
		v = 1
	}
	m.sharedUp.WithLabelValues("redis").Set(v)
}

// evalError counts an evaluation answered with code.
func (m *metrics) evalError(code abaco.Code) { m.evalErrors.WithLabelValues(string(code)).Inc() }
