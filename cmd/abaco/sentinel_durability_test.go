package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"abaco/internal/redistest"
)

// TestSentinelFailoverDurableJobs submits jobs to serve from several
// goroutines through a redis+sentinel:// URL while the master fails over,
// and keeps a ledger of the ids answered 202. Once the promoted master is
// taking jobs again, every id of the ledger must be known (GET /jobs/{id}
// not 404) with --jobs-durability replicas:1; without the barrier the
// losses are logged, not asserted, as the contrast. The 503s the barrier
// answers meanwhile are logged too.
//
// serve runs with --workers 0: nothing consumes, so every accepted job
// stays queued with its record, and a 404 can mean only that the job was
// lost, not that a worker finished it; a worker's writes have no barrier
// anyway, and would only add load to the failover.
//
// With one replica, the barrier refuses every job from the promotion
// until the old master is a replica of the promoted one, and Sentinel
// reconfigures a demoted master only after it has reported the wrong role
// for about 8 s (SENTINEL_PUBLISH_PERIOD*4 in sentinel.c), so that window
// is 10-15 s. The default run (SENTINEL FAILOVER, both modes in parallel,
// under 10 s) sends the old master the REPLICAOF that Sentinel would send
// later; -topology.long adds the same failover left to Sentinel, and a
// SIGKILL of the master, restarted afterwards for Sentinel to reconfigure.
func TestSentinelFailoverDurableJobs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		durability string
		kill       bool // SIGKILL the master instead of SENTINEL FAILOVER
		byHand     bool // demote the old master at once, not after Sentinel's wait
	}{
		{"SENTINEL FAILOVER/replicas:1", "replicas:1", false, true},
		{"SENTINEL FAILOVER/none", "none", false, true},
		{"SENTINEL FAILOVER, Sentinel demotes/replicas:1", "replicas:1", false, false},
		{"SENTINEL FAILOVER, Sentinel demotes/none", "none", false, false},
		{"SIGKILL/replicas:1", "replicas:1", true, false},
		{"SIGKILL/none", "none", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.byHand && !*longTopology {
				t.Skip("slow: run with -topology.long")
			}
			t.Parallel()
			sn := redistest.StartSentinels(t)
			base, logs, stopServer := startServer(t, testConfig(t, "--redis-url", sn.URL, "--workers", "0",
				"--jobs-durability", tt.durability, "--jobs-durability-timeout", "1s",
				"--job-rate", "0", "--max-queued-jobs", "0"), nil)
			waitReady(t, base, 200, "ready", logs)

			client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
			l := &jobLedger{client: client}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			const submitters = 8
			for g := 0; g < submitters; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					l.submit(base, g, stop)
				}()
			}
			defer func() { close(stop); wg.Wait() }()
			until(t, 20*time.Second, "200 jobs accepted before the failover", func() bool { return l.accepted() >= 200 })

			l.mark()
			if tt.kill {
				sn.KillMaster()
			} else {
				sn.Failover()
			}
			sn.WaitFailover()
			promoted := time.Since(l.start)
			switch {
			case tt.kill:
				// The promoted replica has no replica of its own until the
				// old master is back, which the sentinels then reconfigure
				// as its replica; until then the barrier refuses every job.
				sn.Master.Restart()
			case tt.byHand:
				// The old master took writes the promoted one lacks, so it
				// needs a full sync: without Redis 7's 5 s diskless delay.
				sn.Replica.MustDo("CONFIG", "SET", "repl-diskless-sync-delay", "0")
				host, port, _ := strings.Cut(sn.Replica.Addr, ":")
				sn.Master.MustDo("REPLICAOF", host, port)
			}
			// Once the old master is a replica it refuses writes, so a job
			// accepted from then on went through the promoted master.
			until(t, 60*time.Second, "the old master to be a replica", func() bool {
				role, _ := sn.Master.Do("ROLE")
				return strings.HasPrefix(role, "slave")
			})
			demoted := time.Since(l.start)
			before := l.accepted()
			until(t, 30*time.Second, "100 jobs accepted through the promoted master", func() bool { return l.accepted() >= before+100 })
			close(stop)
			wg.Wait()
			stop = make(chan struct{})
			settled := time.Since(l.start)

			if addr, err := sn.MasterAddr(); err != nil || addr != sn.Replica.Addr {
				t.Fatalf("the sentinels name %s (%v) as master, want the promoted %s", addr, err, sn.Replica.Addr)
			}
			lost := lostJobs(t, client, base, l.ids)
			// A connection the transport dialed but never used would hold
			// up serve's shutdown for 5 s (net/http's wait on StateNew).
			client.CloseIdleConnections()
			if err := stopServer(); err != nil {
				t.Errorf("serve after the failover: %v", err)
			}
			sort.Strings(lost)
			t.Logf("%s: %d submitters; promoted after %v, old master a replica after %v, %d accepted through the promoted master by %v; %d accepted in all, %d lost; statuses %v, %d transport errors; 503s from %v to %v after the failover",
				tt.name, submitters, promoted.Round(time.Millisecond), demoted.Round(time.Millisecond), l.accepted()-before, settled.Round(time.Millisecond),
				len(l.ids), len(lost), l.codes, l.errs, l.first503.Round(time.Millisecond), l.last503.Round(time.Millisecond))
			for code, n := range l.codes {
				if code != http.StatusAccepted && code != http.StatusServiceUnavailable {
					t.Errorf("POST /jobs answered %d %d times, want only 202 or 503", code, n)
				}
			}
			if tt.durability != "none" && len(lost) > 0 {
				t.Errorf("%d of %d accepted jobs lost with --jobs-durability %s (first: %v)",
					len(lost), len(l.ids), tt.durability, lost[:min(len(lost), 10)])
			}
		})
	}
}

// A jobLedger records what serve answered to POST /jobs: the ids it
// accepted, the count of each status, and when it answered 503 relative
// to the failover (mark).
type jobLedger struct {
	client            *http.Client
	mu                sync.Mutex
	ids               []string
	codes             map[int]int
	errs              int
	start             time.Time // when the failover was triggered; zero before
	first503, last503 time.Duration
}

// mark records that the failover starts now.
func (l *jobLedger) mark() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.start = time.Now()
}

func (l *jobLedger) accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ids)
}

// submit posts jobs to base until stop is closed, recording each answer.
func (l *jobLedger) submit(base string, g int, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		body := fmt.Sprintf(`{"expressao": "%d+%d"}`, g, i)
		resp, err := l.client.Post(base+"/jobs", "application/json", strings.NewReader(body))
		var a struct {
			ID string `json:"id"`
		}
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&a)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		l.mu.Lock()
		switch {
		case err != nil:
			l.errs++
		case resp.StatusCode == http.StatusAccepted && a.ID != "":
			l.ids = append(l.ids, a.ID)
		}
		if err == nil {
			if l.codes == nil {
				l.codes = map[int]int{}
			}
			l.codes[resp.StatusCode]++
			if resp.StatusCode == http.StatusServiceUnavailable && !l.start.IsZero() {
				since := time.Since(l.start)
				if l.first503 == 0 {
					l.first503 = since
				}
				l.last503 = since
			}
		}
		l.mu.Unlock()
	}
}

// lostJobs returns the ids that GET /jobs/{id} answers 404 for, asked
// from 8 goroutines; any answer but 200 and 404 fails t.
func lostJobs(t *testing.T, client *http.Client, base string, ids []string) []string {
	t.Helper()
	var (
		mu   sync.Mutex
		lost []string
		bad  []string
		wg   sync.WaitGroup
	)
	next := make(chan string)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				resp, err := client.Get(base + "/jobs/" + id)
				if err != nil {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("%s: %v", id, err))
					mu.Unlock()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				switch resp.StatusCode {
				case http.StatusOK:
				case http.StatusNotFound:
					lost = append(lost, id)
				default:
					bad = append(bad, fmt.Sprintf("%s: %d", id, resp.StatusCode))
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("GET /jobs/{id} failed for %d ids (first: %v)", len(bad), bad[:min(len(bad), 5)])
	}
	return lost
}
