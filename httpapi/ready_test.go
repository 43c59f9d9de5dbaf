package httpapi_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"abaco/cache"
	"abaco/httpapi"
)

// TestReadyzDegradations checks that /readyz lists Config.Degradations
// after an unreachable shared cache, answering 200, with each since in
// UTC whole seconds; and that --ready-requires-redis makes only an
// unreachable Redis a 503, not a Redis that refuses writes.
func TestReadyzDegradations(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	local := since.Add(700 * time.Millisecond).In(time.FixedZone("BRT", -3*3600))
	refused := httpapi.Degradation{Dependency: "redis", Condition: httpapi.ConditionWritesRefused, Since: local,
		Reason: "OOM command not allowed when used memory > 'maxmemory'."}
	evicting := httpapi.Degradation{Dependency: "redis", Condition: httpapi.ConditionEvictingPolicy, Since: since,
		Reason: "maxmemory-policy allkeys-lru evicts queue and job keys"}
	unreachable := httpapi.Degradation{Dependency: "redis", Condition: httpapi.ConditionUnreachable, Since: since,
		Reason: "the shared cache (Redis) is unreachable; requests are evaluated without it"}
	tests := []struct {
		name     string
		cache    httpapi.CacheAdmin
		strict   bool
		extra    []httpapi.Degradation
		wantCode int
		want     []httpapi.Degradation
	}{
		{name: "none", cache: fakeCache{}, wantCode: 200},
		{name: "writes refused", cache: fakeCache{}, extra: []httpapi.Degradation{refused}, wantCode: 200,
			want: []httpapi.Degradation{{Dependency: "redis", Condition: "writes_refused", Since: since, Reason: refused.Reason}}},
		{name: "writes refused, ready requires redis", cache: fakeCache{}, strict: true,
			extra: []httpapi.Degradation{refused}, wantCode: 200,
			want: []httpapi.Degradation{{Dependency: "redis", Condition: "writes_refused", Since: since, Reason: refused.Reason}}},
		{name: "unreachable and evicting", cache: fakeCache{readyErr: errBackend, since: since},
			extra: []httpapi.Degradation{evicting}, wantCode: 200, want: []httpapi.Degradation{unreachable, evicting}},
		{name: "unreachable, ready requires redis", cache: fakeCache{readyErr: errBackend, since: since}, strict: true,
			extra: []httpapi.Degradation{evicting}, wantCode: http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) {
				c.Cache = tt.cache
				c.ReadyRequiresSharedCache = tt.strict
				c.Degradations = func() []httpapi.Degradation { return append([]httpapi.Degradation(nil), tt.extra...) }
			})
			w := call(t, h, "GET", "/readyz", "")
			if w.Code != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantCode, w.Body.String())
			}
			if w.Code != 200 {
				return
			}
			var got httpapi.Readiness
			decodeStrict(t, w, &got)
			wantStatus := "ready"
			if len(tt.want) > 0 {
				wantStatus = "degraded"
			}
			if got.Status != wantStatus || !reflect.DeepEqual(got.Degraded, tt.want) {
				t.Errorf("got %+v\nwant status %s, degraded %+v", got, wantStatus, tt.want)
			}
		})
	}
}
