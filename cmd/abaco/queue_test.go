package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"time"

	"abaco/internal/redistest"
	"abaco/internal/syncbuf"
)

// redisEnv is an environment with only REDIS_URL=url and a short
// ABACO_CONNECT_TIMEOUT.
func redisEnv(url string) func(string) string {
	return func(k string) string {
		switch k {
		case "REDIS_URL":
			return url
		case "ABACO_CONNECT_TIMEOUT":
			return "1s" // a one-shot command facing a Redis that is down gives up sooner than its default 10s
		}
		return ""
	}
}

// inProcess is an abaco command running in this process until stop.
type inProcess struct {
	out, err syncbuf.Buffer
	cancel   context.CancelFunc
	done     chan int
}

func startInProcess(url string, args ...string) *inProcess {
	return startInProcessEnv(redisEnv(url), args...)
}

// startInProcessEnv is startInProcess with the environment getenv.
func startInProcessEnv(getenv func(string) string, args ...string) *inProcess {
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{cancel: cancel, done: make(chan int, 1)}
	go func() { p.done <- run(ctx, &Env{Stdout: &p.out, Stderr: &p.err, Getenv: getenv}, args) }()
	return p
}

// stop cancels the command (as SIGTERM would) and returns its exit status.
func (p *inProcess) stop(t *testing.T) int {
	t.Helper()
	p.cancel()
	select {
	case code := <-p.done:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not stop within 10s")
		return -1
	}
}

// runWith runs abaco in process with REDIS_URL=url and returns the exit
// status, stdout and stderr.
func runWith(url, stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: redisEnv(url)}
	code := run(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestProduceAndQueueCommands(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	lrange := func() string { return srv.MustDo("LRANGE", "number_queue", "0", "-1") }
	tests := []struct {
		name      string
		stdin     string
		args      []string
		code      int
		stdout    string // prefix
		stderr    string // substring
		queueWant string // LRANGE number_queue after, when set
	}{
		{name: "range and values", args: []string{"produce", "3..1", "7", "2+2", "1..x"}, stdout: "produced 6 items onto number_queue in ",
			queueWant: "3\n2\n1\n7\n2+2\n1..x"},
		{name: "stats", args: []string{"queue", "stats"}, stdout: "queue      number_queue\ndepth      6\nin flight  0\ndead       0\n"},
		{name: "purge needs --yes", args: []string{"queue", "purge"}, code: 2, stderr: "add --yes"},
		{name: "purge", args: []string{"queue", "purge", "number_queue", "--yes"}, stdout: "purged 6 items", queueWant: ""},
		{name: "stdin lines, small batches", stdin: "10\n\n 11 \n12", args: []string{"produce", "--batch", "2"},
			stdout: "produced 3 items", queueWant: "10\n11\n12"},
		{name: "double dash is not a value", args: []string{"produce", "13", "--", "-3"},
			stdout: "produced 2 items", queueWant: "10\n11\n12\n13\n-3"},
		{name: "other queue", args: []string{"produce", "--queue", "other", "1"}, stdout: "produced 1 items onto other"},
		{name: "stats --queue", args: []string{"queue", "stats", "--queue", "other"}, stdout: "queue      other\ndepth      1\n"},
		{name: "dead --queue", args: []string{"queue", "dead", "--queue", "other"}, stdout: "AT  PAYLOAD  ATTEMPTS  CONSUMER  REASON\n"},
		{name: "requeue --queue", args: []string{"queue", "requeue", "--queue", "other"}, stdout: "requeued 0 dead letters onto other"},
		{name: "--queue and the same NAME", args: []string{"queue", "stats", "--queue", "other", "other"}, stdout: "queue      other\n"},
		{name: "--queue and another NAME", args: []string{"queue", "stats", "--queue", "other", "number_queue"}, code: 2,
			stderr: `--queue "other" and NAME "number_queue" name different queues`},
		{name: "purge --queue", args: []string{"queue", "purge", "--queue", "other", "--yes"}, stdout: "purged 1 items (waiting and dead) from other"},
		{name: "dead letters of an empty queue", args: []string{"queue", "dead"}, stdout: "AT  PAYLOAD  ATTEMPTS  CONSUMER  REASON\n"},
		{name: "requeue nothing", args: []string{"queue", "requeue"}, stdout: "requeued 0 dead letters onto number_queue"},
		{name: "two names", args: []string{"queue", "stats", "a", "--limit", "1", "b"}, code: 2, stderr: `one queue name at most, got ["a" "b"]`},
		{name: "unknown subcommand", args: []string{"queue", "list"}, code: 2, stderr: "unknown subcommand"},
		{name: "negative delay", args: []string{"consume", "--delay", "-1s"}, code: 2, stderr: "--delay must not be negative"},
		{name: "negative max backoff", args: []string{"consume", "--max-backoff", "-1s"}, code: 2, stderr: "--max-backoff not negative"},
		{name: "no concurrency", args: []string{"worker", "--concurrency", "0"}, code: 2, stderr: "--concurrency and --max-attempts must be >= 1"},
		{name: "braces in a queue name", args: []string{"produce", "--queue", "a{b}", "1"}, code: 2, stderr: "bad queue name"},
	}
	for _, tc := range tests {
		code, out, errs := runWith(srv.URL, tc.stdin, tc.args...)
		if code != tc.code || !strings.HasPrefix(out, tc.stdout) || !strings.Contains(errs, tc.stderr) {
			t.Fatalf("%s: abaco %v = %d, stdout %q, stderr %q", tc.name, tc.args, code, out, errs)
		}
		if tc.queueWant != "" || tc.name == "purge" {
			if got := lrange(); got != tc.queueWant {
				t.Fatalf("%s: queue = %q, want %q", tc.name, got, tc.queueWant)
			}
		}
	}
}

func TestQueueCommandsNeedRedis(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"produce", "1"}, {"consume"}, {"queue", "stats"}, {"worker"}} {
		code, _, errs := runWith("", "", args...)
		if code != 2 || !strings.Contains(errs, "needs Redis: set REDIS_URL or --redis-url") {
			t.Errorf("abaco %v without Redis = %d, %q", args, code, errs)
		}
	}
}

func TestQueueStatsShowsDeadLettersAndConsumers(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	if code, _, errs := runWith(srv.URL, "", "produce", "abc", "5"); code != 0 {
		t.Fatal(errs)
	}
	// A consumer in process, stopped once both items are handled.
	p := startInProcess(srv.URL, "consume", "--delay", "0")
	until(t, 10*time.Second, "consume", func() bool {
		return strings.Contains(p.out.String(), "processed 5\n") && srv.MustDo("LLEN", "{number_queue}:dead") == "1"
	})
	if code := p.stop(t); code != 0 {
		t.Fatalf("consume exited %d: %s", code, p.err.String())
	}
	_, dead, _ := runWith(srv.URL, "", "queue", "dead")
	if !strings.Contains(dead, "  abc  ") || !strings.Contains(dead, "name 'abc' is not defined") {
		t.Fatalf("queue dead = %q", dead)
	}
	_, js, _ := runWith(srv.URL, "", "queue", "dead", "--json", "--queue", "number_queue")
	var doc struct {
		Queue       string           `json:"queue"`
		DeadLetters []map[string]any `json:"dead_letters"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil || doc.Queue != "number_queue" || len(doc.DeadLetters) != 1 {
		t.Fatalf("queue dead --json (%v):\n%s", err, js)
	}
	d := doc.DeadLetters[0]
	at, _ := d["at"].(string)
	consumer, _ := d["consumer"].(string)
	reason, _ := d["reason"].(string)
	if _, err := time.Parse(time.RFC3339Nano, at); err != nil || !strings.HasSuffix(at, "Z") || consumer == "" ||
		!strings.Contains(reason, "name 'abc' is not defined") || d["payload"] != "abc" || d["attempts"] != 1.0 || len(d) != 5 {
		t.Fatalf("queue dead --json: want at (UTC), payload, attempts, consumer and reason:\n%s", js)
	}
	_, stats, _ := runWith(srv.URL, "", "queue", "stats")
	if !strings.Contains(stats, "dead       1\n") || !strings.Contains(stats, "consumers  0 (0 alive)\n") {
		t.Fatalf("queue stats = %q", stats)
	}
	_, rq, _ := runWith(srv.URL, "", "queue", "requeue")
	if rq != "requeued 1 dead letters onto number_queue\n" || srv.MustDo("LRANGE", "number_queue", "0", "-1") != "abc" {
		t.Fatalf("requeue = %q", rq)
	}
}
