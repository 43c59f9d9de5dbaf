package main

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"runtime"
	"testing"

	"abaco"
	buildinfo "abaco/internal/version"
)

// TestVersionCommand checks that every spelling of the version request
// prints one line with the build information's version, revision and Go
// version (a test binary has no VCS stamp: "(devel) rev unknown").
func TestVersionCommand(t *testing.T) {
	t.Parallel()
	v := buildinfo.Get()
	want := "abaco " + v.Version + " rev " + v.Revision + " " + runtime.Version() + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}, {"-v"}} {
		var out, errb bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		if code := run(context.Background(), env, args); code != 0 || out.String() != want || errb.Len() != 0 {
			t.Errorf("abaco %v: exit %d, stdout %q, stderr %q; want 0, %q", args, code, out.String(), errb.String(), want)
		}
	}
	var errb bytes.Buffer
	env := &Env{Stdout: &bytes.Buffer{}, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := run(context.Background(), env, []string{"version", "extra"}); code != 2 {
		t.Errorf("abaco version extra: exit %d, want 2 (%s)", code, errb.String())
	}
}

// testVersionBinary checks that a built binary prints what go build
// recorded in it, as go version -m reads it: the module version and the
// VCS revision ("unknown" when it recorded none, as in a git worktree).
func testVersionBinary(t *testing.T, b *binary, _ abaco.Broker) {
	m, err := exec.Command("go", "version", "-m", b.path).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	mod := regexp.MustCompile(`(?m)^\tmod\tabaco\t(\S+)`).FindSubmatch(m)
	if mod == nil {
		t.Fatalf("go version -m: no main module line:\n%s", m)
	}
	rev := "unknown"
	if r := regexp.MustCompile(`(?m)^\tbuild\tvcs\.revision=(\S+)$`).FindSubmatch(m); r != nil {
		rev = string(r[1])
	}
	want := "abaco " + string(mod[1]) + " rev " + rev + " " + runtime.Version() + "\n"
	if got := b.run(t, "--version"); got != want {
		t.Errorf("abaco --version = %q, want %q (from go version -m)", got, want)
	}
}
