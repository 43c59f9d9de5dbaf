package cache_test

import (
	"regexp"
	"strconv"
	"testing"

	"abaco"
	"abaco/cache"
)

// commandCalls returns how many times redis-server ran each command, from
// INFO commandstats.
func commandCalls(t *testing.T, info string) map[string]int {
	t.Helper()
	calls := map[string]int{}
	for _, m := range regexp.MustCompile(`cmdstat_(\w+):calls=(\d+)`).FindAllStringSubmatch(info, -1) {
		n, err := strconv.Atoi(m[2])
		if err != nil {
			t.Fatal(err)
		}
		calls[m[1]] = n
	}
	return calls
}

// TestRedisMissRoundTrips checks which commands a miss sends: a cheap
// expression is evaluated first and stored with one SET NX PX; one over
// the quick work budget is looked up (GET) before it is evaluated and
// stored (SET). Either way the entry and the answer are the same.
func TestRedisMissRoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, key string
		wantGet       int
	}{
		{"cheap", "2+3", "abaco:v1:eval:2 + 3", 0},
		{"cheap error", "1/0", "abaco:v1:eval:1 / 0", 0},
		{"syntax error", "2 +", "abaco:v1:eval:raw:2 +", 0},
		{"over the quick budget", "2**20000 * 3**20000 % 1000", "abaco:v1:eval:2 ** 20000 * 3 ** 20000 % 1000", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, srv := redisCache(t, cache.Options{})
			b := redisCacheOn(t, srv, cache.Options{})
			srv.MustDo("CONFIG", "RESETSTAT")
			ra, erra := eval(t, a, tt.in, abaco.CacheMiss, "")
			calls := commandCalls(t, srv.MustDo("INFO", "commandstats"))
			if calls["set"] != 1 || calls["get"] != tt.wantGet {
				t.Errorf("a miss ran SET %d times and GET %d times; want 1 and %d", calls["set"], calls["get"], tt.wantGet)
			}
			if srv.MustDo("EXISTS", tt.key) != "1" {
				t.Fatalf("no entry at %q", tt.key)
			}
			rb, errb := eval(t, b, tt.in, abaco.CacheHit, "shared")
			if ra.Value != rb.Value || abaco.ErrorCode(erra) != abaco.ErrorCode(errb) {
				t.Errorf("shared hit = %+v, %v; the miss was %+v, %v", rb, errb, ra, erra)
			}
		})
	}
}
