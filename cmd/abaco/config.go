package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"
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
// other mistake to errUsage (the flag package has printed the problem).
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		return errHelp
	default:
		return errUsage
	}
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

// intFlag is stringFlag for integers. A malformed environment value is
// reported when flags are validated; here it falls back to def.
func intFlag(fs *flag.FlagSet, env *Env, name, key string, def int, help string) *int {
	v := def
	if s := env.Getenv(key); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			v = n
		}
	}
	return fs.Int(name, v, help+" (env "+key+")")
}

// durationFlag is stringFlag for durations ("10s", "250ms").
func durationFlag(fs *flag.FlagSet, env *Env, name, key string, def time.Duration, help string) *time.Duration {
	v := def
	if s := env.Getenv(key); s != "" {
		if d, err := time.ParseDuration(s); err == nil {
			v = d
		}
	}
	return fs.Duration(name, v, help+" (env "+key+")")
}

// boolFlag is stringFlag for booleans.
func boolFlag(fs *flag.FlagSet, env *Env, name, key string, def bool, help string) *bool {
	v := def
	if s := env.Getenv(key); s != "" {
		if b, err := strconv.ParseBool(s); err == nil {
			v = b
		}
	}
	return fs.Bool(name, v, help+" (env "+key+")")
}
