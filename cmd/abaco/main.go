// Command abaco evaluates arithmetic expressions safely, serves them over
// HTTP with a two-tier cache, and runs work through reliable Redis queues.
//
// main only wires: each subcommand lives in its own file and receives its
// dependencies (streams, environment, context) through an *Env.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=..." (the
// Dockerfile does); empty, the build information's module version is used.
var version string

// Env is what a subcommand may touch of the outside world. Tests build one
// with buffers and a fake environment and call run directly.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads configuration fallbacks (ABACO_*, REDIS_URL).
	Getenv func(string) string
}

// command is one subcommand: its name, a one-line summary for the top-level
// help, and the function that runs it with the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() []command {
	return []command{
		{"eval", "evaluate expressions given as arguments or one per line on stdin", runEval},
		{"serve", "run the HTTP API (POST /evaluate, /jobs, /docs, /metrics)", runServe},
		{"worker", "run evaluation job workers against Redis", runWorker},
		{"produce", "push numbers onto a Redis list queue (the tutorial's produtor.py)", runProduce},
		{"consume", "take and process items from a queue, at least once (consumidor.py)", runConsume},
		{"queue", "inspect and repair a queue: stats, dead, requeue, purge", runQueue},
		{"demo", "run the tutorial's demos through abaco (demo cache)", runDemo},
		{"health", "exit 0 if a running abaco serve is ready (GET /readyz), for healthchecks", runHealth},
		{"version", "print the version", runVersion},
	}
}

// errUsage marks a command-line mistake that has been reported already
// (the flag package printed it with the usage text); it exits with status 2.
var errUsage = errors.New("usage error")

// usageError is a command-line mistake for run to report, as
// "abaco <command>: <message>", before exiting with status 2. cmd, when
// set, names the command more precisely ("queue purge").
type usageError struct{ cmd, msg string }

func (e usageError) Error() string { return e.msg }

// Is makes a usageError an errUsage, so that callers test for one kind.
func (e usageError) Is(target error) bool { return target == errUsage }

// usageErrorf returns a usageError with a formatted message.
func usageErrorf(format string, a ...any) error {
	return usageError{msg: fmt.Sprintf(format, a...)}
}

// exitError carries a specific exit status without printing anything more,
// for commands (like eval) that already reported their failures.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(run(ctx, env, os.Args[1:]))
}

// run dispatches args to a subcommand and returns the process exit status.
func run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		// "abaco help eval" is "abaco eval --help"; "abaco help --help"
		// is the top-level help, not a loop.
		if len(args) > 1 && !isHelp(args[1]) {
			return run(ctx, env, []string{args[1], "--help"})
		}
		usage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if isVersion(args[0]) {
		args = append([]string{"version"}, args[1:]...)
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		var ee exitError
		var ue usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errHelp):
			return 0
		case errors.As(err, &ue):
			name := c.name
			if ue.cmd != "" {
				name = ue.cmd
			}
			fmt.Fprintf(env.Stderr, "abaco %s: %s\n", name, ue.msg)
			return 2
		case errors.Is(err, errUsage):
			return 2
		case errors.As(err, &ee):
			return ee.code
		default:
			fmt.Fprintf(env.Stderr, "abaco %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "abaco: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return 2
}

// isHelp reports whether arg asks for the top-level help.
func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "help" }

// isVersion reports whether arg is the conventional flag form of "abaco
// version" (--version, -version, -v), which newcomers try first.
func isVersion(arg string) bool { return arg == "--version" || arg == "-version" || arg == "-v" }

func usage(w io.Writer) {
	fmt.Fprint(w, `abaco evaluates arithmetic expressions the way Python 3.11 does, safely,
caches the results in Redis, and runs work through reliable Redis queues.

Usage:
  abaco <command> [flags] [arguments]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "abaco <command> --help" for a command's flags and examples, and
"abaco --version" for the version.
Every flag but "queue purge --yes" has an environment fallback, named in its
help (ABACO_*, REDIS_URL).
With no REDIS_URL, abaco uses its embedded in-process cache and broker.
`)
}
