package main

import (
	"context"
	"math/big"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
)

// The Python programs in examples/ are run as written, with Debian's
// python3 and redis-py, against a private redis-server and a live server:
// the tutorial's produtor.py and consumidor.py talk to abaco consume and
// abaco produce, and client.py to abaco serve.

// example runs examples/name with python3 and env (KEY=value) added to
// nothing else, and returns its exit status, stdout and stderr.
func example(t *testing.T, env []string, name string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{filepath.Join(repoRoot, "examples", name)}, args...)...)
	cmd.Env = env
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %q did not finish within 60s\n%s", name, args, errb.String())
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%s: %v", name, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// needPython skips the test when python3 or, with redis set, redis-py is
// missing.
func needPython(t *testing.T, redis bool) {
	t.Helper()
	if _, err := exec.LookPath(python); err != nil {
		t.Skipf("%s not found (apt-get install python3): examples/ not run", python)
	}
	if redis {
		if err := exec.Command(python, "-c", "import redis").Run(); err != nil {
			t.Skipf("redis-py is missing from %s (apt-get install python3-redis): examples/ not run", python)
		}
	}
}

func TestExampleProdutorFeedsConsume(t *testing.T) {
	t.Parallel()
	needPython(t, true)
	srv := redistest.Start(t)
	code, out, errs := example(t, []string{"REDIS_URL=" + srv.URL}, "produtor.py", "25")
	if code != 0 || !strings.HasSuffix(out, "Produzido: 25\n") {
		t.Fatalf("produtor.py 25: exit %d\n%s%s", code, out, errs)
	}
	var want []string
	for i := 1; i <= 25; i++ {
		want = append(want, strconv.Itoa(i))
	}
	p := startInProcess(srv.URL, "consume", "--delay", "0")
	until(t, 20*time.Second, "abaco consume to print 25 numbers", func() bool { return len(processed(p.out.String())) >= 25 })
	if code := p.stop(t); code != 0 {
		t.Errorf("consume exit %d: %s", code, p.err.String())
	}
	ordered(t, "abaco consume printed", processed(p.out.String()), want)
}

func TestExampleProduceFeedsConsumidor(t *testing.T) {
	t.Parallel()
	needPython(t, true)
	srv := redistest.Start(t)
	if code, out, errs := runWith(srv.URL, "", "produce", "1..20", "-3", "2.5"); code != 0 {
		t.Fatalf("abaco produce: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := example(t, []string{"REDIS_URL=" + srv.URL}, "consumidor.py", "--count", "22", "--delay", "0")
	if code != 0 {
		t.Fatalf("consumidor.py: exit %d\n%s%s", code, out, errs)
	}
	var got, want []string
	for l := range strings.Lines(out) {
		got = append(got, strings.TrimPrefix(strings.TrimSpace(l), "Consumido: "))
	}
	for i := 1; i <= 20; i++ {
		want = append(want, strconv.Itoa(i))
	}
	ordered(t, "consumidor.py printed", got, append(want, "-3", "2.5"))
	if n := srv.MustDo("LLEN", "number_queue"); n != "0" {
		t.Errorf("number_queue holds %s items after consumidor.py", n)
	}
}

func TestExampleClient(t *testing.T) {
	t.Parallel()
	needPython(t, false)
	base, _, _ := startServer(t, testConfig(t, "--workers", "1"), nil)
	// More digits than Python parses by default (4300), both ways.
	big := func(b, e int64) string { return new(big.Int).Exp(big.NewInt(b), big.NewInt(e), nil).String() }
	tests := []struct {
		name   string
		env    []string
		args   []string
		code   int
		stdout string // exact
		stderr string // substring
	}{
		{name: "evaluate", args: []string{"--url", base, "2+2"}, stdout: "4\n"},
		{name: "ABACO_URL", env: []string{"ABACO_URL=" + base}, args: []string{"2+2"}, stdout: "4\n"},
		{name: "a float", args: []string{"--url", base, "0.1+0.2"}, stdout: "0.30000000000000004\n"},
		{name: "a bool", args: []string{"--url", base, "1 < 2"}, stdout: "True\n"},
		{name: "6021 digits", args: []string{"--url", base, "2**20000"}, stdout: big(2, 20000) + "\n"},
		{name: "a job", args: []string{"--url", base, "--job", "3**10000"}, stdout: big(3, 10000) + "\n", stderr: " queued\n"},
		{name: "a problem", args: []string{"--url", base, "1/0"}, code: 1, stderr: "problem: 422 division_by_zero: Division by zero: division by zero\n"},
		{name: "a syntax error", args: []string{"--url", base, "2+"}, code: 1, stderr: "problem: 422 syntax: "},
		{name: "a failed job", args: []string{"--url", base, "--job", "1/0"}, code: 1, stderr: "problem: 422 division_by_zero: "},
		{name: "a batch", args: []string{"--url", base, "2+2", "2**20000", "1/0"}, code: 1,
			stdout: "4\n" + big(2, 20000) + "\nproblem: 422 division_by_zero: Division by zero: division by zero\n"},
		{name: "a batch that all succeeds", args: []string{"--url", base, "1+1", "3*3"}, stdout: "2\n9\n"},
		{name: "a batch of jobs", args: []string{"--url", base, "--job", "1", "2"}, code: 2, stderr: "--job takes one expression"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := example(t, tc.env, "client.py", tc.args...)
			if code != tc.code || out != tc.stdout || !strings.Contains(errs, tc.stderr) {
				t.Errorf("client.py %q: exit %d, stdout %.200q, stderr %q; want %d, %.200q, stderr containing %q",
					tc.args, code, out, errs, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}
