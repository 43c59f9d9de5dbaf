package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"abaco/internal/redistest"
)

// costly is an expression whose evaluation exceeds the cheap work budget,
// so that a miss looks it up in Redis before computing it.
const costly = "3 ** 4000 % 1000003"

// workerMetrics returns the base URL of the metrics endpoint of a worker
// started with --metrics-addr 127.0.0.1:0 --log-level info, from the line
// it logs once listening.
func workerMetrics(t *testing.T, w *inProcess) string {
	t.Helper()
	var base string
	until(t, 10*time.Second, "the worker's metrics address", func() bool {
		_, rest, ok := strings.Cut(w.err.String(), `"msg":"metrics listening","addr":"`)
		if ok {
			addr, _, _ := strings.Cut(rest, `"`)
			base = "http://" + addr
		}
		return ok
	})
	return base
}

// jobsProcessed is abaco_queue_processed_total of the job queue at a worker's
// metrics endpoint, 0 before the first job.
func jobsProcessed(t *testing.T, base string) float64 {
	t.Helper()
	return max(0, metricValue(t, base, `abaco_queue_processed_total{queue="abaco_jobs"}`))
}

// submitJob posts expression to base's /jobs and returns the job's id.
func submitJob(base, expression string) (string, error) {
	resp, err := http.Post(base+"/jobs", "application/json", strings.NewReader(`{"expressao": "`+expression+`"}`))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var m struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 202 || m.ID == "" {
		return "", fmt.Errorf("POST %s/jobs %q: %d %v %+v", base, expression, resp.StatusCode, err, m)
	}
	return m.ID, nil
}

// TestInstancesTwoWorkers runs three abaco serve (no job workers of their
// own) and two abaco worker on one Redis: a costly expression evaluated
// on one serve is a shared hit on another; 200 jobs submitted across the
// three serves are spread over both workers; one worker is stopped (as
// SIGTERM does) while jobs keep coming, and still every job ends done with
// its result, readable through any serve, with nothing left in flight.
func TestInstancesTwoWorkers(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	var bases []string
	for range 3 {
		// --job-rate 0: every POST comes from 127.0.0.1, one client to the rate limit.
		base, _, _ := startServer(t, testConfig(t, "--redis-url", srv.URL, "--workers", "0", "--job-rate", "0"), nil)
		bases = append(bases, base)
	}

	// Shared hits: A computes and writes behind; B finds it in Redis.
	if resp, m := post(t, bases[0]+"/evaluate", `{"expressao": "`+costly+`"}`); resp.StatusCode != 200 || m["cache"] != "miss" {
		t.Fatalf("A: %d %v, want a miss", resp.StatusCode, m)
	}
	until(t, 5*time.Second, "the entry in Redis", func() bool {
		return srv.MustDo("EXISTS", "abaco:v1:eval:"+costly) == "1"
	})
	resp, m := post(t, bases[1]+"/evaluate", `{"expressao": "`+costly+`"}`)
	if resp.StatusCode != 200 || m["cache"] != "hit" || m["camada"] != "shared" || resp.Header.Get("X-Cache") != "hit" {
		t.Fatalf("B: %d %v, want a hit from the shared tier", resp.StatusCode, m)
	}
	want := m["resultado"]
	if _, m := post(t, bases[2]+"/evaluate", `{"expressao": "`+costly+`"}`); m["camada"] != "shared" || m["resultado"] != want {
		t.Fatalf("C: %v, want a shared hit with resultado %v", m, want)
	}

	workerArgs := []string{"worker", "--concurrency", "2", "--batch", "4", "--metrics-addr", "127.0.0.1:0", "--log-level", "info"}
	w1, w2 := startInProcess(srv.URL, workerArgs...), startInProcess(srv.URL, workerArgs...)
	t.Cleanup(func() { w2.stop(t) })
	m1, m2 := workerMetrics(t, w1), workerMetrics(t, w2)

	// The ledger: every accepted id and the result its job must end with.
	const total = 200
	ledger := make(map[string]string, total)
	var mu sync.Mutex
	submit := func(from, to int) error {
		for i := from; i < to; i++ {
			id, err := submitJob(bases[i%len(bases)], fmt.Sprintf("%d * %d + 1", i, i+7))
			if err != nil {
				return err
			}
			mu.Lock()
			ledger[id] = strconv.Itoa(i*(i+7) + 1)
			mu.Unlock()
		}
		return nil
	}
	accepted := func() int { mu.Lock(); defer mu.Unlock(); return len(ledger) }

	if err := submit(0, total/2); err != nil {
		t.Fatal(err)
	}
	until(t, 10*time.Second, "both workers to process jobs", func() bool {
		return jobsProcessed(t, m1) > 0 && jobsProcessed(t, m2) > 0
	})
	// Stop w1 while the second half is being submitted.
	errc := make(chan error, 1)
	go func() { errc <- submit(total/2, total) }()
	until(t, 10*time.Second, "more jobs accepted", func() bool { return accepted() >= total/2+20 })
	n1 := jobsProcessed(t, m1)
	stopped := time.Now()
	if code := w1.stop(t); code != 0 {
		t.Fatalf("worker 1 exited %d: %s", code, w1.err.String())
	}
	t.Logf("worker 1 stopped in %v after %v jobs, %d accepted; %s", time.Since(stopped).Round(time.Millisecond),
		n1, accepted(), lastLine(w1.err.String(), "consumer stopped"))
	if err := <-errc; err != nil {
		t.Fatal(err)
	}

	// Every job in the ledger ends done with its result, asked of any serve.
	start := time.Now()
	i, retaken := 0, 0
	for id, result := range ledger {
		url := bases[i%len(bases)] + "/jobs/" + id
		waitJob(t, url, result)
		if _, m := getJSON(t, url); m["tentativas"] != json.Number("1") {
			retaken++
		}
		i++
	}
	n2 := jobsProcessed(t, m2)
	t.Logf("%d jobs done %v after the last submission (%d taken more than once); worker 1 processed %v (at least), worker 2 %v",
		len(ledger), time.Since(start).Round(time.Millisecond), retaken, n1, n2)
	if n2 <= 0 || n1 <= 0 {
		t.Errorf("processed: worker 1 %v (before its stop), worker 2 %v; want both > 0", n1, n2)
	}
	// None stranded: no processing list, nothing waiting or dead, and only
	// worker 2 still registered.
	until(t, 10*time.Second, "no processing list", func() bool {
		return srv.MustDo("KEYS", "{abaco_jobs}:processing:*") == ""
	})
	if s := clusterStats(t, srv.URL, "abaco_jobs"); s.Depth != 0 || s.InFlight != 0 || s.Dead != 0 ||
		len(s.Consumers) != 1 || !s.Consumers[0].Alive {
		t.Errorf("queue stats at the end: %+v; want nothing queued, in flight or dead, and one live consumer", s)
	}
}

// lastLine returns the last line of logs that contains sub.
func lastLine(logs, sub string) string {
	var last string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, sub) {
			last = strings.TrimSpace(line)
		}
	}
	return last
}
