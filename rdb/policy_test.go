package rdb_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"abaco/internal/redistest"
	"abaco/rdb"
)

// TestPolicyWatch changes the maxmemory-policy of a real Redis under a
// PolicyWatch, as the queue commands run one: each change of whether it
// evicts is logged once (warn when it starts, info when it ends), the
// gauge follows, and degraded names the policy.
func TestPolicyWatch(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--maxmemory-policy", "noeviction")
	c, err := rdb.Open(srv.URL, rdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	w := rdb.NewPolicyWatch(c, slog.New(slog.NewJSONHandler(&logs, nil)), reg)
	steps := []struct {
		policy, wantReason string
		wantGauge          float64
		wantWarn, wantInfo int
	}{
		{"noeviction", "", 0, 0, 0},
		{"allkeys-lru", "maxmemory-policy allkeys-lru evicts queue and job keys", 1, 1, 0},
		{"allkeys-lru", "maxmemory-policy allkeys-lru evicts queue and job keys", 1, 1, 0},
		{"volatile-ttl", "maxmemory-policy volatile-ttl evicts queue and job keys", 1, 2, 0},
		{"noeviction", "", 0, 2, 1},
	}
	for _, s := range steps {
		srv.MustDo("CONFIG", "SET", "maxmemory-policy", s.policy)
		if !rdb.CheckPolicy(w, context.Background()) {
			t.Fatalf("%s: Redis did not answer", s.policy)
		}
		since, reason := w.Degraded()
		if reason != s.wantReason || since.IsZero() != (s.wantReason == "") {
			t.Errorf("%s: degraded %v %q, want %q", s.policy, since, reason, s.wantReason)
		}
		if got := gaugeValue(t, reg, "abaco_redis_evicting_policy"); got != s.wantGauge {
			t.Errorf("%s: abaco_redis_evicting_policy = %v, want %v", s.policy, got, s.wantGauge)
		}
		out := logs.String()
		if warn, info := strings.Count(out, `"level":"WARN"`), strings.Count(out, `"level":"INFO"`); warn != s.wantWarn || info != s.wantInfo {
			t.Errorf("%s: %d warn and %d info lines, want %d and %d:\n%s", s.policy, warn, info, s.wantWarn, s.wantInfo, out)
		}
	}
	srv.Stop()
	if rdb.CheckPolicy(w, context.Background()) {
		t.Error("check reported an answer from a stopped Redis")
	}
}

// gaugeValue returns the value of the unlabelled gauge name in reg.
func gaugeValue(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s in the registry", name)
	return 0
}
