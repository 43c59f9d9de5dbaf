package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"abaco"
	"abaco/expr"
)

const evalHelp = `Evaluates arithmetic expressions exactly as Python 3.11 would, without
running any code. Each EXPR argument prints one line; with no arguments,
each line of standard input is one expression and prints one line. A
failure prints "error: <code>: <message>" on that line, and the exit status
is 1 if any expression failed.

Examples:
  abaco eval '2+2'                      4
  abaco eval '0.1+0.2' '2**100' '7//-2' 0.30000000000000004
                                        1267650600228229401496703205376
                                        -4
  abaco eval 'sqrt(2)' 'math.pi/2'      1.4142135623730951
                                        1.5707963267948966
  abaco eval '1 < 2 < 3' '0 or 5'       True
                                        5
  abaco eval '1/0'                      error: division_by_zero: division by zero
  abaco eval '9**9**9'                  error: limit: integer result would have ...
  printf '1+1\n2*3\n' | abaco eval      2
                                        6
  abaco eval --canonical ' (2)+2 '      2 + 2	4
  abaco eval -2**2 -- -x                -4
                                        error: name: name 'x' is not defined

An expression may start with "-" right after the flags; after "--",
every argument is an expression.

Supported: int, float and bool literals (1_000 0x1f 0o17 0b101 1.5 .5 1e3
True False); + - * / // % ** unary - + ~; & | ^ << >>; comparisons (chained);
not and or; a if c else b; abs round min max pow int float; the math
functions sqrt sin cos tan asin acos atan atan2 log log2 log10 exp floor
ceil factorial gcd hypot and constants pi e tau inf nan, bare or as math.x.

Error codes: syntax, division_by_zero, overflow, domain, type, name, limit.`

// runEval is "abaco eval": evaluate expressions from arguments or stdin.
func runEval(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "eval", "abaco eval [flags] [EXPR...]", evalHelp)
	var limits expr.Limits
	limitVars(fs, env, &limits)
	var canonical bool
	boolVar(fs, env, &canonical, "canonical", "ABACO_EVAL_CANONICAL", false, "print the canonical form and a tab before each result")
	flagArgs, exprArgs := splitNegative(args)
	if err := parseFlags(fs, flagArgs); err != nil {
		return err
	}
	exprs := positionals(fs, flagArgs, exprArgs)
	if err := checkLimits(limits); err != nil {
		return err
	}
	e := expr.New(limits)
	w := bufio.NewWriter(env.Stdout)
	failed := false
	one := func(src string) {
		if !evalOne(w, e, src, canonical) {
			failed = true
		}
	}
	if len(exprs) > 0 {
		for _, src := range exprs {
			one(src)
		}
	} else if err := eachLine(ctx, env.Stdin, func(line string) error {
		one(line)
		return w.Flush() // answer each line as it comes, for interactive use
	}); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if failed {
		return exitError{code: 1}
	}
	return nil
}

// splitNegative splits args before the first one that is an expression
// starting with a minus sign ("-2**2", "-(1)", "-.5"), which the flag
// package would otherwise take for a flag.
func splitNegative(args []string) (flags, exprs []string) {
	for i, a := range args {
		if a == "--" {
			return args, nil
		}
		if len(a) > 1 && a[0] == '-' && !(a[1] == '-' || a[1] >= 'a' && a[1] <= 'z' || a[1] >= 'A' && a[1] <= 'Z') {
			return args[:i], args[i:]
		}
	}
	return args, nil
}

// evalOne writes one result line for src and reports whether it succeeded.
func evalOne(w *bufio.Writer, e *expr.Engine, src string, canonical bool) bool {
	t, err := e.Parse(src)
	var v expr.Value
	if err == nil {
		if canonical {
			w.WriteString(t.Canonical())
			w.WriteByte('\t')
		}
		v, err = e.Eval(t)
	}
	if err != nil {
		fmt.Fprintf(w, "error: %s: %s\n", abaco.ErrorCode(err), errorText(err))
		return false
	}
	w.Write(v.AppendRepr(nil))
	w.WriteByte('\n')
	return true
}

// errorText is the message of an engine error, with the column of a
// syntax error.
func errorText(err error) string {
	var ae *abaco.Error
	if errors.As(err, &ae) && ae.Column > 0 {
		return fmt.Sprintf("%s (column %d)", ae.Message, ae.Column)
	}
	return abaco.ErrorMessage(err)
}
