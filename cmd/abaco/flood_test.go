package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"abaco/internal/redistest"
	"abaco/internal/syncbuf"
)

var floodJobs = flag.Int("flood", 10_000, "POST /jobs sent by TestServeJobFlood (issue 11's flood is 50000)")

// maxFloodRSS is the peak RSS an embedded abaco serve may reach through
// the flood (issue 11).
const maxFloodRSS = 64 << 20

// TestServeJobFlood floods a real `abaco serve` process (embedded mode,
// built without -race, so its memory is the real one) with POST /jobs
// from several goroutines over keep-alive loopback connections. Its
// bounds are set so that the flood outruns them (one worker, a rate limit
// that all of loopback shares): some answers must be 429 with Retry-After,
// every accepted job must be found afterwards (0 lost), and the process's
// peak RSS (VmHWM) must stay under 64 MB. CI sends 10,000; issue 11's
// 50,000 is go test ./cmd/abaco -run TestServeJobFlood -flood 50000.
func TestServeJobFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("a flood of requests")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "abaco")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := "127.0.0.1:" + strconv.Itoa(redistest.FreePort(t))
	// Loopback is one client: a burst of half the flood, and a rate that
	// cannot let the other half in before the flood ends (unless it took
	// over 25 s), so that some are refused while most of the memory an
	// accepted job costs is still exercised.
	n := *floodJobs
	cmd := exec.Command(bin, "serve", "--addr", addr, "--workers", "1", "--max-queued-jobs", "2000",
		"--job-burst", strconv.Itoa(n/2), "--job-rate", strconv.Itoa(max(n/50, 1)), "--log-level", "error")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")} // no REDIS_URL: embedded
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	until(t, 10*time.Second, "abaco serve to answer", func() bool {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})

	began := time.Now()
	f := flood(t, client, base, n, 8)
	t.Logf("%d POST /jobs in %v: %d accepted, %d refused with 429 (%v)", n, time.Since(began).Round(time.Millisecond),
		len(f.accepted), f.refused.Load(), f.codes())
	if f.refused.Load() == 0 {
		t.Errorf("no POST /jobs was refused: the bounds did not hold the flood")
	}
	lost := checkFound(t, client, base, f.accepted, 8)
	hwm := peakRSS(t, cmd.Process.Pid)
	t.Logf("peak RSS (VmHWM) %.1f MB; %d of %d accepted jobs lost", float64(hwm)/(1<<20), lost, len(f.accepted))
	if lost > 0 {
		t.Errorf("%d accepted jobs not found", lost)
	}
	if hwm > maxFloodRSS {
		t.Errorf("peak RSS %d bytes, want under %d", hwm, maxFloodRSS)
	}
	if s := stderr.String(); s != "" {
		t.Logf("abaco serve's log:\n%s", s)
	}
}

// floodResult is what the flood saw.
type floodResult struct {
	mu       sync.Mutex
	accepted []string
	byCode   map[string]int
	refused  atomic.Int64
}

func (f *floodResult) codes() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byCode
}

// flood sends n POST /jobs from workers goroutines.
func flood(t *testing.T, c *http.Client, base string, n, workers int) *floodResult {
	f := &floodResult{byCode: map[string]int{}}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if err := f.submit(c, base, i); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return f
}

// submit sends one job and records the answer.
func (f *floodResult) submit(c *http.Client, base string, i int64) error {
	body := `{"expressao": "` + strconv.FormatInt(i, 10) + `*2"}`
	resp, err := c.Post(base+"/jobs", "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var m struct{ ID, Code string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return fmt.Errorf("POST /jobs %d: %v", resp.StatusCode, err)
	}
	switch {
	case resp.StatusCode == http.StatusAccepted && m.ID != "":
		f.mu.Lock()
		f.accepted = append(f.accepted, m.ID)
		f.mu.Unlock()
	case resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "":
		f.refused.Add(1)
		f.mu.Lock()
		f.byCode[m.Code]++
		f.mu.Unlock()
	default:
		return fmt.Errorf("POST /jobs: %d (Retry-After %q) %+v", resp.StatusCode, resp.Header.Get("Retry-After"), m)
	}
	return nil
}

// checkFound GETs every id and returns how many were not found.
func checkFound(t *testing.T, c *http.Client, base string, ids []string, workers int) int {
	var lost, next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(ids)); i = next.Add(1) - 1 {
				resp, err := c.Get(base + "/jobs/" + ids[i])
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					lost.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(lost.Load())
}

// peakRSS returns the VmHWM of process pid, in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	fh, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal(errors.Join(errors.New("no VmHWM in /proc status"), sc.Err()))
	return 0
}
