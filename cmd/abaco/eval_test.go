package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runEvalCmd runs "abaco eval args..." with stdin and an environment, and
// returns the exit status, stdout and stderr.
func runEvalCmd(t *testing.T, stdin string, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return vars[k] }}
	code := run(context.Background(), env, append([]string{"eval"}, args...))
	return code, out.String(), errOut.String()
}

func TestEvalCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		stdin    string
		vars     map[string]string
		wantCode int
		wantOut  string
	}{
		{"one argument", []string{"2+2"}, "", nil, 0, "4\n"},
		{"one line per argument", []string{"0.1+0.2", "2**100", "7//-2", "1 < 2 < 3"}, "", nil, 0,
			"0.30000000000000004\n1267650600228229401496703205376\n-4\nTrue\n"},
		{"failure sets status 1", []string{"1/0", "3"}, "", nil, 1,
			"error: division_by_zero: division by zero\n3\n"},
		{"syntax error has a column", []string{"1 +"}, "", nil, 1,
			"error: syntax: unexpected end of expression (column 4)\n"},
		{"stdin lines", nil, "1+1\n2*3\r\nsqrt(4)", nil, 0, "2\n6\n2.0\n"},
		{"stdin blank line is an error", nil, "1\n\n2\n", nil, 1,
			"1\nerror: syntax: empty expression (column 1)\n2\n"},
		{"canonical", []string{"--canonical", " (2)+2 "}, "", nil, 0, "2 + 2\t4\n"},
		{"flag limit", []string{"--max-int-bits", "10", "2**10"}, "", nil, 1,
			"error: limit: integer result would have about 11 bits, more than the limit of 10\n"},
		{"env limit", []string{"(((1)))"}, "", map[string]string{"ABACO_MAX_DEPTH": "2"}, 1,
			"error: limit: expression is nested more than 2 levels deep\n"},
		{"flag beats env", []string{"--max-depth", "5", "(((1)))"}, "", map[string]string{"ABACO_MAX_DEPTH": "2"}, 0, "1\n"},
		{"negative expressions are not flags", []string{"-2**2", "-(1)", "--max-depth"}, "", nil, 1,
			"-4\n-1\nerror: type: max is a function, not a number: call it, as in max(x)\n"},
		{"flags then negative", []string{"--canonical", "-.5"}, "", nil, 0, "-0.5\t-0.5\n"},
		{"double dash", []string{"--", "-x"}, "", nil, 1, "error: name: name 'x' is not defined\n"},
		{"double dash after an expression", []string{"1", "--", "2"}, "", nil, 0, "1\n2\n"},
		{"double dash after a negative expression", []string{"-2**2", "--", "-1"}, "", nil, 0, "-4\n-1\n"},
		{"only the first double dash is dropped", []string{"--", "1", "--"}, "", nil, 1,
			"1\nerror: syntax: unexpected end of expression (column 3)\n"},
		{"bad limit is a usage error", []string{"--max-depth", "0", "1"}, "", nil, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runEvalCmd(t, tc.stdin, tc.vars, tc.args...)
			if code != tc.wantCode || out != tc.wantOut {
				t.Errorf("status %d, stdout %q (stderr %q); want %d, %q", code, out, errOut, tc.wantCode, tc.wantOut)
			}
		})
	}
}

func TestEvalHelp(t *testing.T) {
	t.Parallel()
	code, out, errOut := runEvalCmd(t, "", nil, "--help")
	help := out + errOut
	if code != 0 {
		t.Errorf("status %d, want 0", code)
	}
	for _, want := range []string{"Examples:", "abaco eval '2+2'", "ABACO_MAX_DEPTH", "error: <code>: <message>"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
}
