package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"abaco"
	"abaco/cache"
	"abaco/httpapi"
	"abaco/inmem"
	"abaco/queue"
)

func TestJobs(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	t.Cleanup(func() { cancel(); <-done })
	h := newAPI(t, func(c *httpapi.Config, cc *cache.Cache) {
		jobs := queue.NewJobs(inmem.NewBroker(), cc, queue.JobOptions{})
		go func() { done <- jobs.Run(ctx, 2) }()
		c.Jobs = jobs
	})

	submit := func(t *testing.T, expression string) httpapi.JobAccepted {
		t.Helper()
		w := call(t, h, "POST", "/jobs", evalBody(t, expression))
		if w.Code != http.StatusAccepted {
			t.Fatalf("POST /jobs: %d %s", w.Code, w.Body.String())
		}
		var a httpapi.JobAccepted
		decodeStrict(t, w, &a)
		if a.ID == "" || a.Estado != abaco.JobQueued || a.URL != "/jobs/"+a.ID || w.Header().Get("Location") != a.URL {
			t.Fatalf("accepted %+v, Location %q", a, w.Header().Get("Location"))
		}
		return a
	}
	// settle polls a job until a worker has finished it.
	settle := func(t *testing.T, url string) httpapi.JobStatus {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			w := call(t, h, "GET", url, "")
			if w.Code != 200 {
				t.Fatalf("GET %s: %d %s", url, w.Code, w.Body.String())
			}
			var st httpapi.JobStatus
			decodeStrict(t, w, &st)
			if st.Estado == abaco.JobDone || st.Estado == abaco.JobFailed {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s still %s", url, st.Estado)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	t.Run("done job has the /evaluate shape", func(t *testing.T) {
		st := settle(t, submit(t, "2**100").URL)
		if st.Estado != abaco.JobDone || st.Avaliacao == nil || st.Erro != nil {
			t.Fatalf("%+v", st)
		}
		if string(st.Avaliacao.Resultado) != "1267650600228229401496703205376" || st.Avaliacao.Tipo != abaco.KindInt || st.Expressao != "2**100" {
			t.Errorf("avaliacao %+v", st.Avaliacao)
		}
	})
	t.Run("failed job carries the problem", func(t *testing.T) {
		st := settle(t, submit(t, "1/0").URL)
		if st.Estado != abaco.JobFailed || st.Erro == nil || st.Erro.Code != abaco.CodeDivisionByZero || st.Erro.Status != 422 {
			t.Fatalf("%+v (erro %+v)", st, st.Erro)
		}
	})
	t.Run("bad body", func(t *testing.T) {
		problemOf(t, call(t, h, "POST", "/jobs", `{"expr": "2"}`), http.StatusBadRequest, abaco.CodeInvalid)
	})
	t.Run("unknown job", func(t *testing.T) {
		problemOf(t, call(t, h, "GET", "/jobs/no-such-job", ""), http.StatusNotFound, abaco.CodeNotFound)
	})
}

func TestJobsDisabled(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	problemOf(t, call(t, h, "POST", "/jobs", evalBody(t, "2+2")), http.StatusNotFound, abaco.CodeNotFound)
	problemOf(t, call(t, h, "GET", "/jobs/x", ""), http.StatusNotFound, abaco.CodeNotFound)
}
