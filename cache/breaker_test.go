package cache

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestBreaker(t *testing.T) {
	now := time.Unix(0, 0)
	var changes []string
	probes := make(chan struct{}, 10)
	b := &breaker{threshold: 3, cooldown: time.Second, now: func() time.Time { return now },
		probe:    func() { probes <- struct{}{} },
		onChange: func(from, to breakerState) { changes = append(changes, from.String()+">"+to.String()) }}
	step := func(name string, want breakerState, wantAllow bool) {
		t.Helper()
		if got := b.allow(); got != wantAllow {
			t.Fatalf("%s: allow = %v, want %v", name, got, wantAllow)
		}
		if got := b.current(); got != want {
			t.Fatalf("%s: state %v, want %v", name, got, want)
		}
	}
	probed := func(name string) {
		t.Helper()
		select {
		case <-probes:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no probe started", name)
		}
	}
	b.failure("get: refused")
	b.failure("get: refused")
	b.success() // resets the count: failures must be consecutive
	b.failure("get: refused")
	b.failure("get: refused")
	step("two failures after a success", closed, true)
	b.failure("get: refused")
	step("third consecutive failure opens", open, false)
	now = now.Add(time.Second - 1)
	step("still cooling down", open, false)
	now = now.Add(1)
	step("cooldown over: a probe starts, the call still skips", halfOpen, false)
	probed("after the cooldown")
	step("one probe at a time", halfOpen, false)
	b.failure("get: refused")
	step("failed probe reopens", open, false)
	now = now.Add(time.Second)
	step("next probe", halfOpen, false)
	probed("after the second cooldown")
	b.success()
	step("successful probe closes", closed, true)
	if len(probes) != 0 {
		t.Fatalf("%d probes too many", len(probes))
	}
	want := "closed>open open>half-open half-open>open open>half-open half-open>closed"
	if got := strings.Join(changes, " "); got != want {
		t.Fatalf("changes:\n got %s\nwant %s", got, want)
	}
}

// TestBreakerStateMetric checks abaco_cache_breaker_state: one series per
// state, 1 for the current state and 0 for the others.
func TestBreakerStateMetric(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := newMetrics(reg)
	for _, s := range []breakerState{closed, open, halfOpen, closed} {
		m.breakerIs(s)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, mf := range mfs {
			if mf.GetName() != "abaco_cache_breaker_state" {
				continue
			}
			for _, x := range mf.GetMetric() {
				got[x.GetLabel()[0].GetValue()] = x.GetGauge().GetValue()
			}
		}
		want := map[string]float64{"closed": 0, "open": 0, "half_open": 0}
		want[s.label()] = 1
		if !maps.Equal(got, want) {
			t.Fatalf("in state %v: abaco_cache_breaker_state by state = %v, want %v", s, got, want)
		}
	}
}

// TestBreakerDown checks the degraded-since record and what failure and
// success report: the first failure sets since, later ones keep it and
// update the reason; failure reports an open breaker; a success clears the
// record and reports whether it closed the breaker.
func TestBreakerDown(t *testing.T) {
	now := time.Unix(100, 0)
	b := &breaker{threshold: 2, cooldown: time.Second, now: func() time.Time { return now }}
	if since, _ := b.down(); !since.IsZero() {
		t.Fatalf("new breaker: down since %v", since)
	}
	steps := []struct {
		reason string
		out    bool
	}{
		{"get: refused", false},
		{"ping: timeout", true}, // opens the breaker
		{"ping: refused", true}, // the probe, say
	}
	for _, s := range steps {
		if out := b.failure(s.reason); out != s.out {
			t.Fatalf("failure(%q) = %v, want %v", s.reason, out, s.out)
		}
		now = now.Add(time.Second)
	}
	if since, reason := b.down(); !since.Equal(time.Unix(100, 0)) || reason != "ping: refused" {
		t.Fatalf("after three failures: %v %q, want the first failure's time and the last reason", since, reason)
	}
	if !b.success() {
		t.Fatal("a success after the breaker opened did not report closing it")
	}
	if since, reason := b.down(); !since.IsZero() || reason != "" || b.current() != closed {
		t.Fatalf("after a success: %v %q %v", since, reason, b.current())
	}
	if b.success() {
		t.Fatal("a success on a closed breaker reported closing it")
	}
}

// TestBreakerJitter checks that each cooldown of a jittered breaker lasts
// between three quarters of the cooldown and the whole of it.
func TestBreakerJitter(t *testing.T) {
	now := time.Unix(0, 0)
	b := &breaker{threshold: 1, cooldown: time.Second, jitter: true, now: func() time.Time { return now },
		probe: func() {}}
	seen := map[time.Duration]bool{}
	for range 50 {
		b.failure("ping: refused")
		if b.wait < 750*time.Millisecond || b.wait > time.Second {
			t.Fatalf("cooldown %v, want within [750ms, 1s]", b.wait)
		}
		seen[b.wait] = true
		b.success()
	}
	if len(seen) < 2 {
		t.Fatalf("50 cooldowns took %d distinct values, want jitter", len(seen))
	}
}
