package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestServeFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"ABACO_ADDR": ":9999", "REDIS_URL": "redis://r:6379/2", "ABACO_CACHE_TTL": "3s",
		"ABACO_ADMIN_TOKEN": "tok", "ABACO_MAX_CONCURRENT": "7", "ABACO_WORKERS": "3",
	}
	e := &Env{Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
	cfg, err := parseServeFlags(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9999" || cfg.RedisURL != "redis://r:6379/2" || cfg.CacheTTL != 3*time.Second ||
		cfg.AdminToken != "tok" || cfg.MaxConcurrent != 7 || cfg.Workers != 3 {
		t.Errorf("from environment: %+v", cfg)
	}
	cfg, err = parseServeFlags(e, []string{"--addr", ":1", "--cache-ttl", "1m"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":1" || cfg.CacheTTL != time.Minute {
		t.Errorf("flags must win over the environment: %+v", cfg)
	}
	def, err := parseServeFlags(&Env{Stderr: io.Discard, Getenv: func(string) string { return "" }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if def.Addr != ":8000" || def.CacheTTL != 10*time.Second || def.RedisURL != "" || def.AdminToken != "" {
		t.Errorf("defaults: %+v", def)
	}
	if _, err := parseServeFlags(e, []string{"--log-level", "loud"}); err == nil {
		t.Error("a bad log level was accepted")
	}
}

// TestMalformedEnvironment checks that an environment value a flag cannot
// parse is a usage error naming the variable, not a silent default, and
// that the command line setting the flag makes it harmless.
func TestMalformedEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, value, flag, good string
	}{
		{"ABACO_CACHE_TTL", "10", "--cache-ttl", "10s"},
		{"ABACO_MAX_CONCURRENT", "many", "--max-concurrent", "8"},
		{"ABACO_LOG_REQUESTS", "sometimes", "--log-requests", "true"},
		{"ABACO_MAX_LENGTH", "4k", "--max-length", "4000"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			var stderr strings.Builder
			e := &Env{Stderr: &stderr, Getenv: func(k string) string {
				if k == tt.key {
					return tt.value
				}
				return ""
			}}
			if _, err := parseServeFlags(e, nil); !errors.Is(err, errUsage) {
				t.Fatalf("%s=%q: err %v, want a usage error", tt.key, tt.value, err)
			}
			want := fmt.Sprintf("invalid value %q for %s (the environment of %s)", tt.value, tt.key, tt.flag)
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
			}
			if _, err := parseServeFlags(e, []string{tt.flag + "=" + tt.good}); err != nil {
				t.Errorf("with %s=%s on the command line: %v", tt.flag, tt.good, err)
			}
		})
	}
}

// TestHelpHidesSecrets checks that --help never prints the password of
// REDIS_URL or the admin token, while the values are still used.
func TestHelpHidesSecrets(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"REDIS_URL": "redis://u:s3cret@127.0.0.1:1", "ABACO_ADMIN_TOKEN": "supersecret"}
	for _, cmd := range []string{"serve", "worker", "consume", "produce", "queue", "demo"} {
		var out bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(k string) string { return vars[k] }}
		if code := run(context.Background(), env, []string{cmd, "--help"}); code != 0 {
			t.Errorf("%s --help: status %d\n%s", cmd, code, out.String())
		}
		if s := out.String(); strings.Contains(s, "s3cret") || strings.Contains(s, "supersecret") || !strings.Contains(s, "REDIS_URL") {
			t.Errorf("%s --help shows a secret or no REDIS_URL:\n%s", cmd, s)
		}
	}
	cfg, err := parseServeFlags(&Env{Stderr: io.Discard, Getenv: func(k string) string { return vars[k] }}, nil)
	if err != nil || cfg.RedisURL != vars["REDIS_URL"] || cfg.AdminToken != vars["ABACO_ADMIN_TOKEN"] {
		t.Errorf("secrets from the environment: %+v, %v", cfg, err)
	}
}

// TestHelpCommand checks "abaco help CMD" and that asking the help for
// help prints the top-level help rather than looping.
func TestHelpCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help", "--help"}, {"--help", "help"}, {"help", "eval"}} {
		var out bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
		if code := run(context.Background(), env, args); code != 0 || !strings.Contains(out.String(), "Usage") {
			t.Errorf("abaco %v: status %d\n%s", args, code, out.String())
		}
	}
}

// TestUsageErrors checks the whole line run prints for a usageError, named
// after the command or, when the error says so, a subcommand.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"serve", "extra"}, "abaco serve: unexpected arguments [\"extra\"]\n"},
		{[]string{"eval", "--max-depth", "0", "1"}, "abaco eval: limits must be positive\n"},
		{[]string{"queue", "purge"}, "abaco queue purge: this deletes every waiting item and dead letter of number_queue; add --yes\n"},
		{[]string{"produce", "1"}, "abaco produce: needs Redis: set REDIS_URL or --redis-url (e.g. redis://127.0.0.1:6379, the tutorial's server)\n"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
		if code := run(context.Background(), env, tt.args); code != 2 || errb.String() != tt.stderr || out.Len() != 0 {
			t.Errorf("abaco %v: status %d, stdout %q, stderr %q; want 2, %q", tt.args, code, out.String(), errb.String(), tt.stderr)
		}
	}
}

// TestEveryFlagHasAnEnvironmentFallback reads the --help of every command
// and checks that each flag names its environment variable, as the
// top-level help promises, except --yes, which says it has none.
func TestEveryFlagHasAnEnvironmentFallback(t *testing.T) {
	t.Parallel()
	flagLine := regexp.MustCompile(`^  -(\S+)`)
	for _, c := range commands() {
		var out bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
		if code := run(context.Background(), env, []string{c.name, "--help"}); code != 0 {
			t.Fatalf("%s --help: status %d\n%s", c.name, code, out.String())
		}
		// flag.PrintDefaults starts each flag's entry with "  -name" and
		// indents the rest of it further.
		var name, entry string
		check := func() {
			switch {
			case name == "":
			case name == "yes" && c.name == "queue":
				if !strings.Contains(entry, "no environment fallback") {
					t.Errorf("queue --yes does not say it has no environment fallback: %q", entry)
				}
			case !regexp.MustCompile(`\(env (ABACO_[A-Z_]+|REDIS_URL)\)`).MatchString(entry):
				t.Errorf("%s --%s names no environment fallback: %q", c.name, name, entry)
			}
		}
		_, defaults, _ := strings.Cut(out.String(), "\nFlags:\n")
		for _, l := range strings.Split(defaults, "\n") {
			if m := flagLine.FindStringSubmatch(l); m != nil {
				check()
				name, entry = m[1], l
				continue
			}
			entry += "\n" + l
		}
		check()
	}
}
