package main

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
)

// flushed are the expressions the instance tests cache and flush: cheap
// ones, which a miss computes without asking Redis, so that an instance
// that dropped its tier answers them as misses, not as shared hits.
var flushed = []string{"2+2", "6*7", "1 < 2", "10**3 / 4"}

// startInstances starts n abaco serve on the Redis at url, each with an
// hour's TTL (only a flush heard of empties their in-process tiers within
// a test) and the admin token "tok", and waits until every one has
// subscribed to the flush channel (counted over nodes, the servers of url).
func startInstances(t *testing.T, n int, url string, nodes ...*redistest.Server) []string {
	t.Helper()
	var bases []string
	for range n {
		base, _, _ := startServer(t, testConfig(t, "--redis-url", url, "--cache-ttl", "1h",
			"--admin-token", "tok", "--jobs=false"), nil)
		bases = append(bases, base)
	}
	for deadline := time.Now().Add(10 * time.Second); flushSubscribers(t, nodes) != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers of abaco:v1:flush after 10s, want %d", flushSubscribers(t, nodes), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return bases
}

// flushSubscribers counts the subscribers of the flush channel over nodes.
func flushSubscribers(t *testing.T, nodes []*redistest.Server) int {
	t.Helper()
	n := 0
	for _, s := range nodes {
		r := s.MustDo("PUBSUB", "NUMSUB", "abaco:v1:flush")
		k, _ := strconv.Atoi(r[strings.LastIndexByte(r, '\n')+1:])
		n += k
	}
	return n
}

// evalCache posts in to base's /evaluate and returns its cache status,
// from the X-Cache header and the body's "cache", which must agree.
func evalCache(t *testing.T, base, in string) string {
	t.Helper()
	resp, m := post(t, base+"/evaluate", `{"expressao": "`+in+`"}`)
	if got := resp.Header.Get("X-Cache"); got != m["cache"] {
		t.Fatalf("%s %q: X-Cache %q, body %v", base, in, got, m)
	}
	return resp.Header.Get("X-Cache")
}

// warmAll evaluates every flushed expression on every instance until its
// in-process tier answers it.
func warmAll(t *testing.T, bases []string) {
	t.Helper()
	for _, base := range bases {
		for _, in := range flushed {
			for deadline := time.Now().Add(5 * time.Second); ; {
				resp, m := post(t, base+"/evaluate", `{"expressao": "`+in+`"}`)
				if resp.Header.Get("X-Cache") == "hit" && m["camada"] == "local" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s %q not a local hit after 5s: %v", base, in, m)
				}
			}
		}
	}
}

// waitMisses polls every instance until it answers every flushed
// expression as a miss, for up to within after start, and returns how
// long after start the last one did.
func waitMisses(t *testing.T, bases []string, start time.Time, within time.Duration) time.Duration {
	t.Helper()
	var last time.Duration
	for _, base := range bases {
		for _, in := range flushed {
			for evalCache(t, base, in) != "miss" {
				if time.Since(start) > within {
					t.Fatalf("%s still answers %q from a cache %v after the flush", base, in, within)
				}
				time.Sleep(time.Millisecond)
			}
			last = max(last, time.Since(start))
		}
	}
	return last
}

// deleteCache sends DELETE /cache with the admin token to base.
func deleteCache(t *testing.T, base string) {
	t.Helper()
	req, _ := http.NewRequest("DELETE", base+"/cache", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if m := readJSON(t, resp); resp.StatusCode != 200 {
		t.Fatalf("DELETE /cache: %d %v", resp.StatusCode, m)
	}
}

// localDrops sums abaco_cache_local_drops_total of base over its vias.
func localDrops(t *testing.T, base, via string) float64 {
	t.Helper()
	return metricValue(t, base, `abaco_cache_local_drops_total{via="`+via+`"}`)
}

// TestInstancesShareFlushes runs three abaco serve on one Redis, and on a
// 3-master cluster, with --cache-ttl 1h: after DELETE /cache on one, all
// three answer the flushed expressions as misses within a second (the
// test logs the median of the rounds), and the flushing one does not
// count its own flush as another's.
func TestInstancesShareFlushes(t *testing.T) {
	t.Parallel()
	for _, d := range redistest.Deployments {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			url, nodes := d.Start(t)
			bases := startInstances(t, 3, url, nodes...)
			const rounds = 5
			var took []time.Duration
			for i := range rounds {
				warmAll(t, bases)
				start := time.Now()
				deleteCache(t, bases[i%len(bases)])
				took = append(took, waitMisses(t, bases, start, time.Second))
			}
			slices.Sort(took)
			t.Logf("DELETE /cache to the last of %d answers a miss on 3 instances: median %v, max %v of %d rounds",
				len(flushed)*len(bases), took[rounds/2], took[rounds-1], rounds)
			// Each instance flushed itself twice or once, and heard of the others'.
			for i, base := range bases {
				own := float64((rounds - i + len(bases) - 1) / len(bases))
				if got := localDrops(t, base, "message") + localDrops(t, base, "generation"); got != rounds-own {
					t.Errorf("%s: %v drops of its tier, want %v (%d flushes, %v its own)", base, got, rounds-own, rounds, own)
				}
			}
		})
	}
}

// TestInstancesRedisRestart restarts the Redis of three abaco serve
// without its data: each drops its in-process tier once, since the
// generation it knew vanished, and not again at its next reads of the
// generation.
func TestInstancesRedisRestart(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	bases := startInstances(t, 3, srv.URL, srv)
	warmAll(t, bases)
	srv.Stop()
	srv.Restart()
	for _, base := range bases {
		for deadline := time.Now().Add(10 * time.Second); localDrops(t, base, "generation") < 1; {
			if time.Now().After(deadline) {
				t.Fatalf("%s has not dropped its tier 10s after the restart", base)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitMisses(t, bases, time.Now(), time.Second)
	// Two more reads of the generation per instance, at one a second each.
	for start, deadline := evalshaCalls(t, srv), time.Now().Add(10*time.Second); evalshaCalls(t, srv) < start+6; {
		if time.Now().After(deadline) {
			t.Fatal("fewer than 6 reads of the generation in 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, base := range bases {
		if g, m := localDrops(t, base, "generation"), localDrops(t, base, "message"); g != 1 || m != 0 {
			t.Errorf("%s: drops via the generation %v, via a message %v; want 1 and 0", base, g, m)
		}
	}
}

// evalshaCalls returns how many EVALSHA srv has run (INFO commandstats):
// each read of the generation is one.
func evalshaCalls(t *testing.T, srv *redistest.Server) int {
	t.Helper()
	_, rest, ok := strings.Cut(srv.MustDo("INFO", "commandstats"), "cmdstat_evalsha:calls=")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
	return n
}
