package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
)

// TestMalformedURLHidesPassword runs every command that opens Redis with a
// malformed REDIS_URL holding a password: each must fail, and neither its
// output nor its error may show the password (net/url's errors quote the
// whole URL).
func TestMalformedURLHidesPassword(t *testing.T) {
	t.Parallel()
	const password = "hunter2pass"
	urls := []string{
		"redis://:" + password + "@127.0.0.1:notaport/0",
		"redis://user:" + password + "@127.0.0.1:6379/notadb",
		"redis://:" + password + "@[::1/0",
	}
	commands := [][]string{
		{"serve", "--addr", "127.0.0.1:0"}, {"worker"}, {"consume"}, {"produce", "1"},
		{"queue", "stats"}, {"queue", "dead"}, {"queue", "requeue"}, {"queue", "purge", "--yes"},
	}
	for _, u := range urls {
		for _, args := range commands {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			var out, errb bytes.Buffer
			code := run(ctx, &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: redisEnv(u)}, args)
			cancel()
			if code == 0 {
				t.Errorf("abaco %v with REDIS_URL=%q succeeded", args, u)
			}
			if all := out.String() + errb.String(); strings.Contains(all, password) || !strings.Contains(all, "redis") {
				t.Errorf("abaco %v with a malformed URL: want an error naming redis, without the password:\n%s", args, all)
			}
		}
	}
}

// TestPasswordNeverShown runs serve and every queue command with a
// well-formed REDIS_URL whose password is wrong (a Redis that refuses it)
// or whose Redis is down, and reads everything each one shows: the logs,
// the output, and for serve /readyz, /metrics and the problem details of
// requests that need Redis. None may show the password.
func TestPasswordNeverShown(t *testing.T) {
	t.Parallel()
	const password = "hunter2pass"
	srv := redistest.Start(t, "--user", "alice", "on", ">the-right-one", "~*", "+@all")
	urls := map[string]string{
		"wrong password": "redis://alice:" + password + "@" + srv.Addr + "/0",
		"redis down":     "redis://alice:" + password + "@127.0.0.1:" + strconv.Itoa(redistest.FreePort(t)) + "/0",
	}
	for name, u := range urls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var shown strings.Builder
			for _, args := range [][]string{{"produce", "1"}, {"queue", "stats"}, {"queue", "dead"}, {"queue", "requeue"}} {
				_, out, errs := runWith(u, "", args...)
				shown.WriteString(out + errs)
			}
			for _, args := range [][]string{{"consume"}, {"worker"}} {
				p := startInProcess(u, append(args, "--log-level", "debug")...)
				// Until it has said what failed (it may go on retrying).
				for deadline := time.Now().Add(5 * time.Second); !strings.Contains(p.err.String(), "redis") && time.Now().Before(deadline); {
					time.Sleep(10 * time.Millisecond)
				}
				p.stop(t)
				shown.WriteString(p.out.String() + p.err.String())
			}
			shown.WriteString(serveShows(t, u))
			if got := shown.String(); strings.Contains(got, password) {
				t.Errorf("the password is shown:\n%s", got)
			} else if !strings.Contains(got, "redis") {
				t.Errorf("no output names redis; the test saw nothing:\n%s", got)
			}
		})
	}
}

// serveShows starts serve with REDIS_URL=u (a Redis that cannot be used)
// and returns its logs and what it answers on the routes that touch Redis.
func serveShows(t *testing.T, u string) string {
	t.Helper()
	cfg := testConfig(t, "--redis-url", u, "--log-level", "debug", "--log-requests")
	s, err := newServer(cfg, io.Discard)
	if err != nil {
		// A refused password stops serve at start (TestServeRedisBadLogin).
		return err.Error()
	}
	s.Close()
	base, logs, stop := startServer(t, cfg, nil)
	var shown strings.Builder
	for _, req := range []struct{ method, path, body string }{
		{"POST", "/evaluate", `{"expressao": "2+2"}`},
		{"POST", "/jobs", `{"expressao": "2+2"}`},
		{"GET", "/jobs/nope", ""},
		{"GET", "/readyz", ""},
		{"GET", "/metrics", ""},
	} {
		r, err := http.NewRequest(req.method, base+req.path, strings.NewReader(req.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(&shown, "%s %s: %d %s\n", req.method, req.path, resp.StatusCode, body)
	}
	if err := stop(); err != nil {
		shown.WriteString(err.Error())
	}
	return shown.String() + logs.String()
}
