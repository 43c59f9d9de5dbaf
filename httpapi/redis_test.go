package httpapi_test

import (
	"context"
	"fmt"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"abaco/cache"
	"abaco/expr"
	"abaco/httpapi"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/rdb"
)

// newRedisAPI is one abaco process over the shared Redis at url: its own
// client, in-process tier and circuit breaker. It returns the cache too,
// whose Sync waits for its writes to Redis.
func newRedisAPI(t *testing.T, url string) (*httpapi.Server, *cache.Cache) {
	t.Helper()
	c := cache.New(expr.New(expr.Limits{}), cache.Options{
		Shared:          rdb.NewStore(rdbtest.Open(t, url)),
		BreakerCooldown: 100 * time.Millisecond,
	})
	t.Cleanup(c.Close)
	return httpapi.New(httpapi.Config{
		Evaluator: c, Cache: c, AdminToken: "tok", Registry: prometheus.NewRegistry(),
	}), c
}

// costly returns an expression over the cache's quick work budget, which
// a miss looks up in Redis (a cheap one is evaluated instead), and its
// value: 6**20000 % m.
func costly(m int64) (expression, value string) {
	v := new(big.Int).Exp(big.NewInt(6), big.NewInt(20000), big.NewInt(m))
	return fmt.Sprintf("2**20000 * 3**20000 %% %d", m), v.String()
}

// waitWrites waits for c's writes to Redis.
func waitWrites(t *testing.T, c *cache.Cache) {
	t.Helper()
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// eventually retries check until it returns "" or 10 s pass; it returns
// the last complaint.
func eventually(t *testing.T, check func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func evaluateOK(t *testing.T, h http.Handler, expression, want string) (xcache, tier string) {
	t.Helper()
	w := call(t, h, "POST", "/evaluate", evalBody(t, expression))
	if w.Code != 200 {
		t.Fatalf("%s: status %d %s", expression, w.Code, w.Body.String())
	}
	var resp httpapi.EvaluateResponse
	decodeStrict(t, w, &resp)
	if string(resp.Resultado) != want {
		t.Fatalf("%s: resultado %s, want %s", expression, resp.Resultado, want)
	}
	return w.Header().Get("X-Cache"), resp.Camada
}

func TestRedisSharedTierAndFlush(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a, ca := newRedisAPI(t, srv.URL)
	b, _ := newRedisAPI(t, srv.URL)
	srv.MustDo("SET", "someone:else", "keep me")

	in, want := costly(1000)
	if c, _ := evaluateOK(t, a, in, want); c != "miss" {
		t.Errorf("first evaluation on a: X-Cache %s, want miss", c)
	}
	if c, _ := evaluateOK(t, a, "2+2", "4"); c != "miss" {
		t.Errorf("first evaluation of 2+2 on a: X-Cache %s, want miss", c)
	}
	waitWrites(t, ca)
	if c, tier := evaluateOK(t, b, "(2**20000) * 3**20000 % 1000", want); c != "hit" || tier != "shared" {
		t.Errorf("b after a: X-Cache %s tier %s, want a hit from the shared tier", c, tier)
	}
	for _, key := range []string{"abaco:v1:eval:2 + 2", "abaco:v1:eval:2 ** 20000 * 3 ** 20000 % 1000"} {
		if got := srv.MustDo("EXISTS", key); got != "1" {
			t.Errorf("key %s not in Redis (EXISTS %s)", key, got)
		}
	}
	w := call(t, a, "DELETE", "/cache", "", "Authorization", "Bearer tok")
	var f httpapi.CacheFlushed
	decodeStrict(t, w, &f)
	if w.Code != 200 || f.Removidas != 2 {
		t.Errorf("DELETE /cache: %d, removidas %d, want 2", w.Code, f.Removidas)
	}
	if got := srv.MustDo("EXISTS", "abaco:v1:eval:2 + 2"); got != "0" {
		t.Errorf("flushed key still in Redis")
	}
	if got := srv.MustDo("GET", "someone:else"); got != "keep me" {
		t.Errorf("DELETE /cache touched a foreign key: %q", got)
	}
}

// TestRedisOutage stops the private redis-server under the API: every
// request still answers correctly, /readyz says 503, and after a restart
// /readyz is 200 again and hits come from Redis again.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a, ca := newRedisAPI(t, srv.URL)
	b, _ := newRedisAPI(t, srv.URL)
	evaluateOK(t, a, "6*7", "42")
	if w := call(t, a, "GET", "/readyz", ""); w.Code != 200 {
		t.Fatalf("/readyz before the outage: %d %s", w.Code, w.Body.String())
	}

	srv.Stop()
	for i := range 50 {
		evaluateOK(t, a, fmt.Sprintf("%d*3", i), fmt.Sprint(i*3))
		evaluateOK(t, b, fmt.Sprintf("%d+1", i), fmt.Sprint(i+1))
	}
	problemOf(t, call(t, a, "GET", "/readyz", ""), http.StatusServiceUnavailable, "unavailable")
	problemOf(t, call(t, b, "GET", "/readyz", ""), http.StatusServiceUnavailable, "unavailable")
	problemOf(t, call(t, a, "DELETE", "/cache", "", "Authorization", "Bearer tok"), http.StatusServiceUnavailable, "unavailable")

	srv.Restart()
	for _, h := range []http.Handler{a, b} {
		eventually(t, func() string {
			if w := call(t, h, "GET", "/readyz", ""); w.Code != 200 {
				return fmt.Sprintf("/readyz after restart: %d %s", w.Code, w.Body.String())
			}
			return ""
		})
	}
	n := 0
	eventually(t, func() string {
		n++
		e, want := costly(int64(1000 + n))
		evaluateOK(t, a, e, want)
		waitWrites(t, ca)
		if c, tier := evaluateOK(t, b, e, want); c != "hit" || tier != "shared" {
			return fmt.Sprintf("after restart: b got X-Cache %s tier %q for a's result, want a shared hit", c, tier)
		}
		return ""
	})
}
