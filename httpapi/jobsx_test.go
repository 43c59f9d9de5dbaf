package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"abaco"
	"abaco/cache"
	"abaco/httpapi"
	"abaco/inmem"
	"abaco/queue"
)

// newJobsAPI returns an API over an embedded job service whose Listen
// runs, with workers when run is true.
func newJobsAPI(t *testing.T, run bool, edit func(*httpapi.Config)) *httpapi.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return newAPI(t, func(c *httpapi.Config, cc *cache.Cache) {
		jobs := queue.NewJobs(inmem.NewBroker(), cc, queue.JobOptions{})
		jobs.StartListen(ctx)
		if run {
			go jobs.Run(ctx, 2)
		}
		c.Jobs = jobs
		if edit != nil {
			edit(c)
		}
	})
}

func TestJobWaitAndBatch(t *testing.T) {
	t.Parallel()
	h := newJobsAPI(t, true, nil)
	w := call(t, h, "POST", "/jobs", `{"expressoes": ["1+1", "2**64"]}`)
	if w.Code != http.StatusAccepted {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var acc httpapi.JobsAccepted
	decodeStrict(t, w, &acc)
	if len(acc.Jobs) != 2 {
		t.Fatalf("%+v", acc)
	}
	start := time.Now()
	w = call(t, h, "GET", "/jobs?ids="+acc.Jobs[0].ID+","+acc.Jobs[1].ID+",nope&wait=5s", "")
	var list httpapi.JobList
	decodeStrict(t, w, &list)
	if time.Since(start) > 4*time.Second || list.Jobs[0].Estado != abaco.JobDone || list.Jobs[1].Estado != abaco.JobDone ||
		list.Jobs[2].Estado != httpapi.StateNotFound || list.Jobs[2].ID != "nope" {
		t.Fatalf("%+v after %v", list, time.Since(start))
	}
	w = call(t, h, "GET", acc.Jobs[0].URL, "", "Prefer", "wait=5")
	if w.Header().Get("Preference-Applied") != "wait=5" || !strings.Contains(w.Header().Get("Vary"), "Prefer") {
		t.Fatalf("headers %v", w.Header())
	}
	big := `{"expressoes": [` + strings.Repeat(`"1",`, httpapi.MaxBatch) + `"1"]}`
	problemOf(t, call(t, h, "POST", "/jobs", big), http.StatusBadRequest, abaco.CodeInvalid)
}

func TestJobWaitTimeoutCancelIdempotency(t *testing.T) {
	t.Parallel()
	h := newJobsAPI(t, false, nil)
	w := call(t, h, "POST", "/jobs", evalBody(t, "2+2"), "Idempotency-Key", "k1")
	var a, b httpapi.JobAccepted
	decodeStrict(t, w, &a)
	decodeStrict(t, call(t, h, "POST", "/jobs", evalBody(t, "2+2"), "Idempotency-Key", "k1"), &b)
	if a.ID != b.ID {
		t.Fatalf("repeat gave %s, first %s", b.ID, a.ID)
	}
	problemOf(t, call(t, h, "POST", "/jobs", evalBody(t, "3+3"), "Idempotency-Key", "k1"), http.StatusUnprocessableEntity, abaco.CodeIdempotencyMismatch)
	problemOf(t, call(t, h, "POST", "/jobs", evalBody(t, "3+3"), "Idempotency-Key", ""), http.StatusBadRequest, abaco.CodeInvalid)
	start := time.Now()
	var st httpapi.JobStatus
	decodeStrict(t, call(t, h, "GET", a.URL+"?wait=200ms", ""), &st)
	if st.Estado != abaco.JobQueued || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("%+v after %v", st, time.Since(start))
	}
	decodeStrict(t, call(t, h, "DELETE", a.URL, ""), &st)
	if st.Estado != abaco.JobCancelled {
		t.Fatalf("%+v", st)
	}
	problemOf(t, call(t, h, "DELETE", a.URL, ""), http.StatusConflict, abaco.CodeConflict)
	problemOf(t, call(t, h, "DELETE", "/jobs/nope", ""), http.StatusNotFound, abaco.CodeNotFound)
}

func TestJobShutdownReleasesWaits(t *testing.T) {
	t.Parallel()
	h := newJobsAPI(t, false, nil)
	var a httpapi.JobAccepted
	decodeStrict(t, call(t, h, "POST", "/jobs", evalBody(t, "2+2")), &a)
	done := make(chan time.Duration, 1)
	start := time.Now()
	go func() { call(t, h, "GET", a.URL+"?wait=30s", ""); done <- time.Since(start) }()
	time.Sleep(50 * time.Millisecond) // let the request start waiting
	h.Shutdown()
	if d := <-done; d > 10*time.Second {
		t.Fatalf("wait lasted %v", d)
	}
}

func TestJobList(t *testing.T) {
	t.Parallel()
	problemOf(t, call(t, newJobsAPI(t, false, nil), "GET", "/jobs", ""), http.StatusNotFound, abaco.CodeNotFound)
	h := newJobsAPI(t, false, func(c *httpapi.Config) { c.AdminToken = "secret" })
	problemOf(t, call(t, h, "GET", "/jobs", "", "Authorization", "Bearer wrong"), http.StatusUnauthorized, abaco.CodeUnauthorized)
	for i := range 3 {
		call(t, h, "POST", "/jobs", evalBody(t, fmt.Sprint(i)))
	}
	w := call(t, h, "GET", "/jobs?limit=2&state=queued", "", "Authorization", "Bearer secret")
	var page httpapi.JobList
	decodeStrict(t, w, &page)
	if w.Code != 200 || len(page.Jobs) != 2 || page.Next == "" || !strings.Contains(w.Header().Get("Link"), `rel="next"`) {
		t.Fatalf("%d %+v %v", w.Code, page, w.Header())
	}
}

// TestJobWaitersBounded: past MaxWaiters a request answers at once, with
// the job's state and no Preference-Applied.
func TestJobWaitersBounded(t *testing.T) {
	t.Parallel()
	h := newJobsAPI(t, false, func(c *httpapi.Config) { c.MaxWaiters = 1 })
	w := call(t, h, "POST", "/jobs", `{"expressao": "1+1"}`)
	var acc httpapi.JobAccepted
	decodeStrict(t, w, &acc)
	// A wait is only held once the service listens for completions.
	for start := time.Now(); ; {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the job service never listened")
		}
		t0 := time.Now()
		call(t, h, "GET", acc.URL+"?wait=50ms", "")
		if time.Since(t0) >= 50*time.Millisecond {
			break
		}
	}
	// The first request holds the one place once it waits, which the
	// waiters gauge shows.
	first := make(chan struct{})
	go func() {
		defer close(first)
		call(t, h, "GET", acc.URL+"?wait=10s", "")
	}()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(call(t, h, "GET", "/metrics", "").Body.String(), "abaco_http_job_waiters 1"); {
		if time.Now().After(deadline) {
			t.Fatal("the first request never waited")
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	w = call(t, h, "GET", acc.URL, "", "Prefer", "wait=5")
	if took := time.Since(start); took > 2*time.Second || w.Code != http.StatusOK || w.Header().Get("Preference-Applied") != "" {
		t.Fatalf("a wait past MaxWaiters answered %d after %v with Preference-Applied %q",
			w.Code, took, w.Header().Get("Preference-Applied"))
	}
	var st httpapi.JobStatus
	decodeStrict(t, w, &st)
	if st.Estado != abaco.JobQueued {
		t.Fatalf("state %s, want queued", st.Estado)
	}
	h.Shutdown()
	<-first
}
