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
	b.failure()
	b.failure()
	b.success() // resets the count: failures must be consecutive
	b.failure()
	b.failure()
	step("two failures after a success", closed, true)
	b.failure()
	step("third consecutive failure opens", open, false)
	now = now.Add(time.Second - 1)
	step("still cooling down", open, false)
	now = now.Add(1)
	step("cooldown over: a probe starts, the call still skips", halfOpen, false)
	probed("after the cooldown")
	step("one probe at a time", halfOpen, false)
	b.failure()
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

// TestBreakerDown checks the degraded-since record: the first failure
// sets it, later ones keep it and update the reason, a success clears it.
func TestBreakerDown(t *testing.T) {
	now := time.Unix(100, 0)
	b := &breaker{threshold: 2, cooldown: time.Second, now: func() time.Time { return now }}
	if since, _ := b.down(); !since.IsZero() {
		t.Fatalf("new breaker: down since %v", since)
	}
	fail := func(reason string) {
		b.failure()
		b.failed(reason)
		now = now.Add(time.Second)
	}
	fail("get: refused")
	fail("ping: timeout") // opens the breaker
	fail("ping: refused") // the probe, say
	if since, reason := b.down(); !since.Equal(time.Unix(100, 0)) || reason != "ping: refused" {
		t.Fatalf("after three failures: %v %q, want the first failure's time and the last reason", since, reason)
	}
	b.success()
	if since, reason := b.down(); !since.IsZero() || reason != "" || b.current() != closed {
		t.Fatalf("after a success: %v %q %v", since, reason, b.current())
	}
	b.failed("late text of a failure a success already answered")
	if since, reason := b.down(); !since.IsZero() || reason != "" {
		t.Fatalf("a reason without a failure: %v %q", since, reason)
	}
}
