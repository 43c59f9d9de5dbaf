package main

import (
	"maps"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
)

// testComposeServicesRun runs every service of docker-compose.yml built
// from "." as its container would - the image's binary bin, the service's
// command (or the Dockerfile's CMD), the Dockerfile's ENV and the service's
// environment and nothing else - against a private redis-server that
// stands in for the redis service, with ABACO_ADDR on a free loopback
// port. It checks the services do their part of the tutorial together:
// the API becomes healthy by its own healthcheck, a job submitted to it is
// done by the worker, the producer's numbers are printed by the consumer,
// and the demo prints cache.py's four lines.
func testComposeServicesRun(t *testing.T, bin string, dockerfile []byte) {
	services := readCompose(t)
	srv := redistest.Start(t)
	addr := "127.0.0.1:" + strconv.Itoa(redistest.FreePort(t))
	base := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^ENV (\w+)=(\S+)$`).FindAllSubmatch(dockerfile, -1) {
		base[string(m[1])] = string(m[2])
	}
	environ := func(name string) []string {
		e := maps.Clone(base)
		maps.Copy(e, composeEnv(services[name]))
		if e["REDIS_URL"] != "redis://redis:6379" {
			t.Fatalf("%s: REDIS_URL %q, want the redis service, redis://redis:6379", name, e["REDIS_URL"])
		}
		e["REDIS_URL"] = srv.URL
		e["ABACO_ADDR"] = addr
		var env []string
		for k, v := range e {
			env = append(env, k+"="+v)
		}
		return env
	}
	start := func(t *testing.T, name string) *proc {
		t.Helper()
		return startProc(t, environ(name), bin, serviceCommand(t, name, services[name])...)
	}
	finish := func(t *testing.T, name string, p *proc) string {
		t.Helper()
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not finish within 30s", name)
		}
		if p.waitEr != nil {
			t.Fatalf("%s: %v\n%s", name, p.waitEr, p.err.String())
		}
		return p.out.String()
	}

	// A new service built from "." needs a check here.
	var built []string
	for name, svc := range services {
		if svc["build"] == "." {
			built = append(built, name)
		}
	}
	slices.Sort(built)
	if want := []string{"abaco", "consumer", "demo", "producer", "worker"}; !slices.Equal(built, want) {
		t.Fatalf("services built from .: %v; this test runs %v", built, want)
	}

	t.Run("abaco is healthy and the worker does its jobs", func(t *testing.T) {
		t.Parallel()
		health := composeList(t, "abaco healthcheck", subKey(services["abaco"]["healthcheck"], "test"))
		if len(health) < 2 || health[0] != "CMD" || health[1] != "/abaco" {
			t.Fatalf("abaco healthcheck %q does not run /abaco", health)
		}
		check := func() (int, string) {
			cmd := exec.Command(bin, health[2:]...)
			cmd.Env = environ("abaco")
			out, _ := cmd.CombinedOutput()
			return cmd.ProcessState.ExitCode(), string(out)
		}
		if code, out := check(); code != 1 {
			t.Fatalf("healthcheck before abaco serve started: exit %d (%s), want 1", code, out)
		}
		api := start(t, "abaco")
		var last string
		until(t, 20*time.Second, "the abaco healthcheck to pass", func() bool {
			code, out := check()
			last = out
			return code == 0
		})
		if last != "ready\n" {
			t.Errorf("healthcheck printed %q, want ready", last)
		}
		start(t, "worker")
		resp, m := post(t, "http://"+addr+"/jobs", `{"expressao": "6*7"}`)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST /jobs: %d %v\n%s", resp.StatusCode, m, api.err.String())
		}
		r, err := http.Get("http://" + addr + "/jobs/" + m["id"].(string) + "?wait=20s")
		if err != nil {
			t.Fatal(err)
		}
		job := readJSON(t, r)
		if ev, _ := job["avaliacao"].(map[string]any); job["estado"] != "done" || ev == nil || ev["repr"] != "42" {
			t.Errorf("the job, which only the worker service runs: %v", job)
		}
	})

	t.Run("the producer's numbers are printed by the consumer", func(t *testing.T) {
		t.Parallel()
		out := finish(t, "producer", start(t, "producer"))
		if !strings.HasPrefix(out, "produced ") {
			t.Errorf("producer printed %q", out)
		}
		// What the producer left is what the consumer must print, in order.
		want := strings.Fields(srv.MustDo("LRANGE", "number_queue", "0", "-1"))
		if len(want) == 0 {
			t.Fatal("the producer left nothing on number_queue")
		}
		c := start(t, "consumer")
		until(t, time.Duration(len(want))*2*time.Second+10*time.Second, "the consumer to print every number",
			func() bool { return len(processed(c.out.String())) >= len(want) })
		ordered(t, "consumer printed", processed(c.out.String()), want)
	})

	t.Run("the demo prints cache.py's lines", func(t *testing.T) {
		t.Parallel()
		out := finish(t, "demo", start(t, "demo"))
		if want := "Calculando resultado\n20\nResultado obtido do cache\n20\n"; out != want {
			t.Errorf("demo printed %q, want %q", out, want)
		}
		var keys []string
		for k := range strings.SplitSeq(srv.MustDo("KEYS", "abaco:*"), "\n") {
			if strings.Contains(k, "calculo_demorado") {
				keys = append(keys, k)
			}
		}
		if len(keys) != 1 {
			t.Errorf("the demo's entry in Redis: keys %q", keys)
		}
	})
}
