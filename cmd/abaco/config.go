package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
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

// stringVar defines a string flag stored in p whose default comes from
// environment variable key when set, and names key in the help.
func stringVar(fs *flag.FlagSet, env *Env, p *string, name, key, def, help string) {
	fs.StringVar(p, name, envOr(env, key, def), help+" (env "+key+")")
}

// envVar defines flag name, stored in p, with the value of environment
// variable key, parsed by parse, as its default, or def when key is unset;
// define is the FlagSet method for T (fs.IntVar, ...). A malformed value
// leaves def in place and marks the flag, so that parseFlags reports it
// unless the command line sets the flag.
func envVar[T any](fs *flag.FlagSet, env *Env, p *T, name, key string, def T, help string,
	parse func(string) (T, error), define func(*T, string, T, string)) {
	raw := env.Getenv(key)
	v, err := def, error(nil)
	if raw != "" {
		if v, err = parse(raw); err != nil {
			v = def
		}
	}
	define(p, name, v, help+" (env "+key+")")
	if err != nil {
		f := fs.Lookup(name)
		f.Value = &envValue{Value: f.Value, key: key, raw: raw, err: err}
	}
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

// intVar is stringVar for integers.
func intVar(fs *flag.FlagSet, env *Env, p *int, name, key string, def int, help string) {
	envVar(fs, env, p, name, key, def, help, strconv.Atoi, fs.IntVar)
}

// int64Var is intVar for int64, parsed as intVar parses.
func int64Var(fs *flag.FlagSet, env *Env, p *int64, name, key string, def int64, help string) {
	atoi := func(s string) (int64, error) { n, err := strconv.Atoi(s); return int64(n), err }
	envVar(fs, env, p, name, key, def, help, atoi, fs.Int64Var)
}

// durationVar is stringVar for durations ("10s", "250ms").
func durationVar(fs *flag.FlagSet, env *Env, p *time.Duration, name, key string, def time.Duration, help string) {
	envVar(fs, env, p, name, key, def, help, time.ParseDuration, fs.DurationVar)
}

// boolVar is stringVar for booleans.
func boolVar(fs *flag.FlagSet, env *Env, p *bool, name, key string, def bool, help string) {
	envVar(fs, env, p, name, key, def, help, strconv.ParseBool, fs.BoolVar)
}

// limitVars defines the engine's limit flags, shared by every command that
// evaluates (eval, serve, worker, consume) so that each is configured the
// same way, storing them in l with the engine's defaults.
func limitVars(fs *flag.FlagSet, env *Env, l *expr.Limits) {
	d := expr.DefaultLimits()
	intVar(fs, env, &l.MaxLength, "max-length", "ABACO_MAX_LENGTH", d.MaxLength, "longest expression in bytes")
	intVar(fs, env, &l.MaxDepth, "max-depth", "ABACO_MAX_DEPTH", d.MaxDepth, "deepest nesting of parentheses, calls and unary operators")
	intVar(fs, env, &l.MaxNodes, "max-nodes", "ABACO_MAX_NODES", d.MaxNodes, "largest syntax tree in nodes")
	intVar(fs, env, &l.MaxIntBits, "max-int-bits", "ABACO_MAX_INT_BITS", d.MaxIntBits, "largest integer in bits, checked before computing it")
	int64Var(fs, env, &l.MaxWork, "max-work", "ABACO_MAX_WORK", d.MaxWork, "work budget per expression (about 1 unit per ns)")
}

// checkLimits rejects a non-positive limit: the flags cannot ask for the
// engine's defaults that way, as a zero expr.Limits field would.
func checkLimits(l expr.Limits) error {
	if l.MaxLength <= 0 || l.MaxDepth <= 0 || l.MaxNodes <= 0 || l.MaxIntBits <= 0 || l.MaxWork <= 0 {
		return usageErrorf("limits must be positive")
	}
	return nil
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

// secretVar is stringVar for secrets: the environment value is used but
// never shown. A backquoted word in help names the flag's argument.
func secretVar(fs *flag.FlagSet, env *Env, p *string, name, key, help string) {
	*p = env.Getenv(key)
	fs.Var(secretValue{p}, name, help+" (env "+key+")")
}

// redisURLHelp is the help of --redis-url: every form of the URL grammar
// (rdb.URL), with an example each.
const redisURLHelp = "Redis `URL`, one of: redis://[user:password@]host:port[/db] (e.g. redis://alice:pw@10.0.0.5:6379/0); " +
	"rediss://... for TLS; a Cluster as redis://h1:p1,h2:p2,h3:p3 (or redis://h1:p1?addr=h2:p2&addr=h3:p3); " +
	"Sentinel as redis+sentinel://[user:password@]s1:p1,s2:p2,s3:p3/mymaster[/db] (the user and password are the master's; " +
	"the sentinels' go in ?sentinel_username=&sentinel_password=; ?addr=&master_set= works too); unix:///path/redis.sock; "

// redisURLVar defines --redis-url, whose value may hold a password.
func redisURLVar(fs *flag.FlagSet, env *Env, p *string, help string) {
	secretVar(fs, env, p, "redis-url", "REDIS_URL", redisURLHelp+help)
}

// defaultConnectTimeout is how long a one-shot command waits for Redis
// by default.
const defaultConnectTimeout = 10 * time.Second

// connectTimeoutVar defines --connect-timeout, how long a one-shot command
// (produce, queue, demo) waits for Redis to answer before it gives up.
func connectTimeoutVar(fs *flag.FlagSet, env *Env, p *time.Duration) {
	durationVar(fs, env, p, "connect-timeout", "ABACO_CONNECT_TIMEOUT", defaultConnectTimeout,
		"how long to wait for Redis (or the sentinels) to answer before giving up; a refused login fails at once")
}

// logFlags are the logging flags of the long-running commands (serve,
// worker, consume), defined by logVars so that the three log alike.
type logFlags struct {
	Level  string // debug, info, warn or error
	Format string // json or text; empty means json
}

// logVars defines --log-level and --log-format on fs, with the same
// defaults for every command: info, and JSON lines, which log collectors
// read (ABACO_LOG_FORMAT=text reads better on a terminal).
func logVars(fs *flag.FlagSet, env *Env, l *logFlags) {
	stringVar(fs, env, &l.Level, "log-level", "ABACO_LOG_LEVEL", "info", "debug, info, warn or error (logs go to stderr)")
	stringVar(fs, env, &l.Format, "log-format", "ABACO_LOG_FORMAT", "json", "json (one object a line) or text (key=value)")
}

// check rejects a level or format the logger does not know.
func (l logFlags) check() error {
	if _, err := parseLevel(l.Level); err != nil {
		return usageError{msg: err.Error()}
	}
	if l.Format != "" && l.Format != "json" && l.Format != "text" {
		return usageErrorf("bad log format %q: want json or text", l.Format)
	}
	return nil
}

// logger returns the logger the flags describe, writing to w.
func (l logFlags) logger(w io.Writer) (*slog.Logger, error) {
	level, err := parseLevel(l.Level)
	if err != nil {
		return nil, err
	}
	o := &slog.HandlerOptions{Level: level}
	switch l.Format {
	case "", "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	}
	return nil, fmt.Errorf("bad log format %q: want json or text", l.Format)
}

// parseLevel reads a --log-level value.
func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("bad log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// checkQueueName rejects names the Redis broker cannot keep in one slot.
func checkQueueName(q string) error {
	if q == "" || strings.ContainsAny(q, "{}") {
		return usageErrorf("bad queue name %q: it must be non-empty, without braces", q)
	}
	return nil
}
