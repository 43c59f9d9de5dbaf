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
	breakerChanges        *prometheus.CounterVec
	localDrops            *prometheus.CounterVec
	// sharedUp is abaco_dependency_up{dependency="redis"}, and writable
	// abaco_dependency_writable{dependency="redis"}; New sets them when
	// there is a shared tier, so a cache without one exports no series.
	sharedUp, writable *prometheus.GaugeVec
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
		Help: "Entries not written to the shared tier: its writes failed or were refused (paused while Redis refuses writes), its circuit breaker was open, or the write queue was full.",
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
	changes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "abaco_cache_breaker_changes_total",
		Help: "Changes of the shared tier's circuit breaker, by the state changed to (closed, open, half_open): a flapping breaker shows here even between scrapes.",
	}, []string{"to"})
	drops := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "abaco_cache_local_drops_total",
		Help: "Times the in-process tier was emptied because the shared tier was flushed by another process, by how it was learned: message (the flush channel) or generation (a read of the generation: an announcement missed while disconnected, or a Redis that lost its data).",
	}, []string{"via"})
	up := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "abaco_dependency_up",
		Help: "Whether a dependency answers (1) or is failing (0); evaluations go on without it. dependency: redis (the shared cache tier).",
	}, []string{"dependency"})
	writable := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "abaco_dependency_writable",
		Help: "Whether a dependency that answers takes writes (1) or refuses them (0: Redis OOM under noeviction, READONLY replica, MISCONF); reads go on and the cache's write-back is paused meanwhile. dependency: redis (the shared cache tier).",
	}, []string{"dependency"})
	if reg != nil {
		reg.MustRegister(lookups, bypass, writes, writesDropped, sharedErrors, evalErrors, state, changes, drops, up, writable)
	}
	for _, op := range []string{"get", "set", "flush", "ping"} {
		sharedErrors.WithLabelValues(op)
	}
	m := &metrics{
		localHit:       lookups.WithLabelValues(tierLocal, "hit"),
		localMiss:      lookups.WithLabelValues(tierLocal, "miss"),
		sharedHit:      lookups.WithLabelValues(tierShared, "hit"),
		sharedMiss:     lookups.WithLabelValues(tierShared, "miss"),
		bypass:         bypass,
		writes:         writes,
		writesDropped:  writesDropped,
		sharedErrors:   sharedErrors,
		evalErrors:     evalErrors,
		breakerState:   state,
		breakerChanges: changes,
		localDrops:     drops,
		sharedUp:       up,
		writable:       writable,
	}
	for _, st := range []breakerState{closed, open, halfOpen} {
		changes.WithLabelValues(st.label())
	}
	for _, via := range []string{viaMessage, viaGeneration} {
		drops.WithLabelValues(via)
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
func (m *metrics) sharedIs(up bool) { setFlag(m.sharedUp, up) }

// writableIs sets abaco_dependency_writable of the shared tier.
func (m *metrics) writableIs(ok bool) { setFlag(m.writable, ok) }

// setFlag sets the shared tier's series of a 0/1 gauge by dependency.
func setFlag(g *prometheus.GaugeVec, on bool) {
	v := 0.0
	if on {
		v = 1
	}
	g.WithLabelValues("redis").Set(v)
}

// evalError counts an evaluation answered with code.
func (m *metrics) evalError(code abaco.Code) { m.evalErrors.WithLabelValues(string(code)).Inc() }
