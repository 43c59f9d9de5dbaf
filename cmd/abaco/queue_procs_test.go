package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"abaco"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/internal/syncbuf"
	"abaco/rdb"
)

// These tests run the real abaco binary as separate processes against a
// private redis-server: what they check (SIGKILL, SIGTERM, other clients)
// only exists between processes. The binary is built once, by
// TestQueueProcesses, and shared by its subtests.

// Outputs are collected in syncbuf.Buffer (serve_test.go), safe while a
// process writes and the test reads.

// proc is a running abaco process.
type proc struct {
	cmd    *exec.Cmd
	out    syncbuf.Buffer
	err    syncbuf.Buffer
	done   chan struct{}
	waitEr error
}

// binary holds what the subtests share.
type binary struct {
	path string
	srv  *redistest.Server
}

func (b *binary) start(t *testing.T, args ...string) *proc {
	t.Helper()
	return startProc(t, append(os.Environ(), "REDIS_URL="+b.srv.URL), b.path, args...)
}

// startProc starts path with args and exactly the environment env, and
// SIGKILLs it when the test ends if it is still running.
func startProc(t *testing.T, env []string, path string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(path, args...), done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.err
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s %v: %v", path, args, err)
	}
	go func() { p.waitEr = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill(); <-p.done })
	return p
}

func (p *proc) kill() { _ = p.cmd.Process.Signal(syscall.SIGKILL) }

// run runs abaco to completion and returns its stdout.
func (b *binary) run(t *testing.T, args ...string) string {
	t.Helper()
	p := b.start(t, args...)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("abaco %v did not finish", args)
	}
	if p.waitEr != nil {
		t.Fatalf("abaco %v: %v\n%s", args, p.waitEr, p.err.String())
	}
	return p.out.String()
}

// processed returns the values a consume process printed, in order.
func processed(out string) []string {
	var vals []string
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "processed "); ok {
			v, _, _ = strings.Cut(v, " = ")
			vals = append(vals, v)
		}
	}
	return vals
}

// until polls cond every 10ms for up to d.
func until(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func queueStats(t *testing.T, b abaco.Broker, q string) abaco.QueueStats {
	t.Helper()
	s, err := b.Stats(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestQueueProcesses(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "abaco")
	args := []string{"build", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tests := []struct {
		name string
		run  func(t *testing.T, b *binary, broker abaco.Broker)
	}{
		{"crash: SIGKILLed consumers lose nothing", testCrash},
		{"a SIGKILLed consumer's item is redelivered within 5s", testRedeliveryTime},
		{"SIGTERM returns in-flight items and exits", testSIGTERM},
		{"SIGTERM stops an idle worker and consumer at once", testIdleSIGTERM},
		{"interop: redis-py and redis-cli producers feed abaco consume", testInteropConsume},
		{"interop: abaco produce feeds a plain BLPOP reader", testInteropProduce},
		{"version: what go build recorded", testVersionBinary},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t)
			tc.run(t, &binary{path: bin, srv: srv}, rdb.NewBroker(rdbtest.Open(t, srv.URL)))
		})
	}
}
