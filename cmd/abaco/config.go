package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"time"

	"abaco/expr"
)

// errHelp is returned when --help was asked for; the help has been printed.
var errHelp = flag.ErrHelp

// newFlagSet returns a flag set that prints a teaching help text: the
// synopsis, a description, the flags with their environment fallbacks.
func newFlagSet(env *Env, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s\n\n%s\n", synopsis, description)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintf(w, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args, sending --help to stdout-like success and any
// other mistake to errUsage (the flag package has printed the problem). A
// malformed environment value of a flag that args do not set is a mistake
// too: it is reported rather than silently replaced by the default.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return errHelp
	case err != nil:
		return errUsage
	}
	bad := false
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := f.Value.(*envValue); ok && !v.set {
			fmt.Fprintf(fs.Output(), "invalid value %q for %s (the environment of --%s): %v\n", v.raw, v.key, f.Name, v.err)
			bad = true
		}
	})
	if bad {
		fs.Usage()
		return errUsage
	}
	return nil
}

// envOr returns the environment value of key, or def when it is unset.
func envOr(env *Env, key, def string) string {
	if v := env.Getenv(key); v != "" {
		return v
	}
	return def
}

// stringFlag defines a string flag whose default comes from environment
// variable key when set, and names key in the help.
func stringFlag(fs *flag.FlagSet, env *Env, name, key, def, help string) *string {
	return fs.String(name, envOr(env, key, def), help+" (env "+key+")")
}

// envFlag defines flag name with the value of environment variable key,
// parsed by parse, as its default, or def when key is unset; define is the
// FlagSet method for T (fs.Int, ...). A malformed value leaves def in place
// and marks the flag, so that parseFlags reports it unless the command line
// sets the flag.
func envFlag[T any](fs *flag.FlagSet, env *Env, name, key string, def T, help string,
	parse func(string) (T, error), define func(string, T, string) *T) *T {
	raw := env.Getenv(key)
	v, err := def, error(nil)
	if raw != "" {
		if v, err = parse(raw); err != nil {
			v = def
		}
	}
	p := define(name, v, help+" (env "+key+")")
	if err != nil {
		f := fs.Lookup(name)
		f.Value = &envValue{Value: f.Value, key: key, raw: raw, err: err}
	}
	return p
}

// envValue wraps the value of a flag whose environment variable held
// something its type does not parse.
type envValue struct {
	flag.Value
	key, raw string
	err      error
	set      bool // the command line set the flag, so the variable does not matter
}

func (v *envValue) Set(s string) error {
	v.set = true
	return v.Value.Set(s)
}

// String serves the flag package's help, which also calls it on a zero
// envValue.
func (v *envValue) String() string {
	if v.Value == nil {
		return ""
	}
	return v.Value.String()
}

// IsBoolFlag keeps a boolean flag usable without a value (--log-requests).
func (v *envValue) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// intFlag is stringFlag for integers.
func intFlag(fs *flag.FlagSet, env *Env, name, key string, def int, help string) *int {
	return envFlag(fs, env, name, key, def, help, strconv.Atoi, fs.Int)
}

// durationFlag is stringFlag for durations ("10s", "250ms").
func durationFlag(fs *flag.FlagSet, env *Env, name, key string, def time.Duration, help string) *time.Duration {
	return envFlag(fs, env, name, key, def, help, time.ParseDuration, fs.Duration)
}

// boolFlag is stringFlag for booleans.
func boolFlag(fs *flag.FlagSet, env *Env, name, key string, def bool, help string) *bool {
	return envFlag(fs, env, name, key, def, help, strconv.ParseBool, fs.Bool)
}

// limitFlags are the engine's limits, shared by every command that
// evaluates (eval, serve, worker, consume), so each can be configured the
// same way everywhere.
type limitFlags struct {
	length, depth, nodes, intBits, work *int
}

// newLimitFlags defines the limit flags on fs with the engine's defaults.
func newLimitFlags(fs *flag.FlagSet, env *Env) limitFlags {
	d := expr.DefaultLimits()
	return limitFlags{
		length:  intFlag(fs, env, "max-length", "ABACO_MAX_LENGTH", d.MaxLength, "longest expression in bytes"),
		depth:   intFlag(fs, env, "max-depth", "ABACO_MAX_DEPTH", d.MaxDepth, "deepest nesting of parentheses, calls and unary operators"),
		nodes:   intFlag(fs, env, "max-nodes", "ABACO_MAX_NODES", d.MaxNodes, "largest syntax tree in nodes"),
		intBits: intFlag(fs, env, "max-int-bits", "ABACO_MAX_INT_BITS", d.MaxIntBits, "largest integer in bits, checked before computing it"),
		work:    intFlag(fs, env, "max-work", "ABACO_MAX_WORK", int(d.MaxWork), "work budget per expression (about 1 unit per ns)"),
	}
}

// limits validates the parsed flags; a non-positive limit is a usage error
// reported on env.Stderr for command cmd.
func (f limitFlags) limits(env *Env, cmd string) (expr.Limits, error) {
	for _, v := range []*int{f.length, f.depth, f.nodes, f.intBits, f.work} {
		if *v <= 0 {
			fmt.Fprintf(env.Stderr, "abaco %s: limits must be positive\n", cmd)
			return expr.Limits{}, errUsage
		}
	}
	return expr.Limits{MaxLength: *f.length, MaxDepth: *f.depth, MaxNodes: *f.nodes,
		MaxIntBits: *f.intBits, MaxWork: int64(*f.work)}, nil
}

// positionals returns the arguments left after fs parsed parsed, followed
// by extra, with the first bare "--" removed wherever it stands. The flag
// package drops "--" only when it comes before the first positional
// argument, but people also write it later ("1 -- -2"), meaning the same:
// everything after it is an argument, not a flag.
func positionals(fs *flag.FlagSet, parsed, extra []string) []string {
	rest := append(slices.Clone(fs.Args()), extra...)
	if slices.Contains(parsed[:len(parsed)-fs.NArg()], "--") {
		return rest
	}
	if i := slices.Index(rest, "--"); i >= 0 {
		rest = slices.Delete(rest, i, i+1)
	}
	return rest
}

// secretValue is a string flag whose value is never printed: --help shows
// no default, so a password in REDIS_URL or a token in ABACO_ADMIN_TOKEN
// does not leak onto a terminal or into a log.
type secretValue struct{ s *string }

func (v secretValue) String() string     { return "" }
func (v secretValue) Set(s string) error { *v.s = s; return nil }

// secretFlag is stringFlag for secrets: the environment value is used but
// never shown. A backquoted word in help names the flag's argument.
func secretFlag(fs *flag.FlagSet, env *Env, name, key, help string) *string {
	p := new(string)
	*p = env.Getenv(key)
	fs.Var(secretValue{p}, name, help+" (env "+key+")")
	return p
}

// redisURLFlag defines --redis-url, whose value may hold a password.
func redisURLFlag(fs *flag.FlagSet, env *Env, help string) *string {
	return secretFlag(fs, env, "redis-url", "REDIS_URL", "Redis `URL`: redis://[user:password@]host:port/db, rediss:// for TLS; "+help)
}
