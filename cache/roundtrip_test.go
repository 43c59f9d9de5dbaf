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
// expression is evaluated without asking Redis and then written with one
// SET PX; one over the quick work budget is looked up (GET) before it is
// evaluated and written (SET). So another process gets the costly entry
// from Redis and evaluates the cheap one itself; the answers are the same.
func TestRedisMissRoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, key string
		wantGet       int
		other         abaco.CacheStatus // what another process's first lookup is
	}{
		{"cheap", "2+3", "abaco:v1:eval:2 + 3", 0, abaco.CacheMiss},
		{"cheap error", "1/0", "abaco:v1:eval:1 / 0", 0, abaco.CacheMiss},
		{"syntax error", "2 +", "abaco:v1:eval:raw:2 +", 0, abaco.CacheMiss},
		{"over the quick budget", costly, "abaco:v1:eval:" + costlyCanonical, 1, abaco.CacheHit},
		{"error over the quick budget", "2**20000 * 3**20000 // 0",
			"abaco:v1:eval:2 ** 20000 * 3 ** 20000 // 0", 1, abaco.CacheHit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, srv := redisCache(t, cache.Options{})
			b := redisCacheOn(t, srv, cache.Options{})
			srv.MustDo("CONFIG", "RESETSTAT")
			ra, erra := eval(t, a, tt.in, abaco.CacheMiss, "")
			waitWrites(t, a)
			calls := commandCalls(t, srv.MustDo("INFO", "commandstats"))
			if calls["set"] != 1 || calls["get"] != tt.wantGet {
				t.Errorf("a miss ran SET %d times and GET %d times; want 1 and %d", calls["set"], calls["get"], tt.wantGet)
			}
			if srv.MustDo("EXISTS", tt.key) != "1" {
				t.Fatalf("no entry at %q", tt.key)
			}
			tier := ""
			if tt.other == abaco.CacheHit {
				tier = "shared"
			}
			rb, errb := eval(t, b, tt.in, tt.other, tier)
			if ra.Value != rb.Value || abaco.ErrorCode(erra) != abaco.ErrorCode(errb) {
				t.Errorf("other process = %+v, %v; the miss was %+v, %v", rb, errb, ra, erra)
			}
		})
	}
}
