package pymath

import (
	"math"

	"abaco"
)

// Func is one function of the math module that works on floats alone. The
// zero Func is no function.
type Func uint8

// The functions Call knows, by the math module's names.
const (
	Sqrt Func = iota + 1
	Sin
	Cos
	Tan
	Asin
	Acos
	Atan
	Atan2
	Log
	Log2
	Log10
	Exp
	Hypot
	numFuncs
)

// funcInfo is one math module function: its name, its argument counts (max
// -1 for any), its C-level implementation, and whether an infinite result
// from finite arguments is an overflow (OverflowError) rather than a
// singularity (ValueError), as CPython's math_1 can_overflow flag says.
type funcInfo struct {
	name        string
	min, max    int
	f1          func(float64) float64
	fn          func([]float64) (float64, error)
	canOverflow bool
}

// funcs is indexed by Func. It is a read-only table.
var funcs = [numFuncs]funcInfo{
	Sqrt:  {name: "sqrt", min: 1, max: 1, f1: math.Sqrt},
	Sin:   {name: "sin", min: 1, max: 1, f1: cSin},
	Cos:   {name: "cos", min: 1, max: 1, f1: cCos},
	Tan:   {name: "tan", min: 1, max: 1, f1: cTan},
	Asin:  {name: "asin", min: 1, max: 1, f1: cAsin},
	Acos:  {name: "acos", min: 1, max: 1, f1: cAcos},
	Atan:  {name: "atan", min: 1, max: 1, f1: cAtan},
	Atan2: {name: "atan2", min: 2, max: 2, fn: atan2},
	Log:   {name: "log", min: 1, max: 2, fn: logBase},
	Log2:  {name: "log2", min: 1, max: 1, f1: logDomain(cLog2)},
	Log10: {name: "log10", min: 1, max: 1, f1: logDomain(cLog10)},
	Exp:   {name: "exp", min: 1, max: 1, f1: cExp, canOverflow: true},
	Hypot: {name: "hypot", min: 0, max: -1, fn: hypot},
}

// Name returns f's name in the math module.
func (f Func) Name() string { return funcs[f].name }

// Args returns how many arguments f takes: from min to max, max -1 for any.
func (f Func) Args() (min, max int) { return funcs[f].min, funcs[f].max }

// Eval evaluates f on args, whose count the caller has checked against
// Args, as CPython's math module does. Errors: domain, overflow,
// division_by_zero (log with base 1).
func (f Func) Eval(args []float64) (float64, error) {
	fi := &funcs[f]
	if fi.fn != nil {
		return fi.fn(args)
	}
	return math1(args[0], fi.f1, fi.canOverflow)
}

// Call evaluates the math module function name (sqrt, sin, cos, tan, asin,
// acos, atan, atan2, log, log2, log10, exp, hypot; log with one or two
// arguments) on float arguments, as CPython's math module does. ok is false
// for a name it does not know. Errors: those of Eval, and type for a wrong
// argument count.
func Call(name string, args []float64) (result float64, ok bool, err error) {
	for f := Sqrt; f < numFuncs; f++ {
		if funcs[f].name != name {
			continue
		}
		fi := &funcs[f]
		if fi.max >= 0 && len(args) > fi.max || len(args) < fi.min {
			if fi.min == fi.max {
				return 0, true, abaco.Errorf(abaco.CodeType, "%s expected %d arguments, got %d", name, fi.min, len(args))
			}
			return 0, true, abaco.Errorf(abaco.CodeType, "%s expected %d to %d arguments, got %d", name, fi.min, fi.max, len(args))
		}
		r, err := f.Eval(args)
		return r, true, err
	}
	return 0, false, nil
}

// math1 is CPython's math_1: a NaN from a non-NaN argument is a domain
// error; an infinity from a finite argument is an overflow or, for
// functions that cannot overflow, a domain error (a singularity).
func math1(x float64, f func(float64) float64, canOverflow bool) (float64, error) {
	r := f(x)
	if math.IsNaN(r) && !math.IsNaN(x) {
		return 0, DomainError()
	}
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsNaN(x) {
		if canOverflow {
			return 0, abaco.Errorf(abaco.CodeOverflow, "math range error")
		}
		return 0, DomainError()
	}
	return r, nil
}

// DomainError returns CPython's ValueError "math domain error", code domain.
func DomainError() error { return abaco.Errorf(abaco.CodeDomain, "math domain error") }

// logDomain wraps a logarithm with CPython's m_log checks: log(0) is -inf
// and log of a negative number (or -inf) is NaN, which math1 turns into
// domain errors.
func logDomain(f func(float64) float64) func(float64) float64 {
	return func(x float64) float64 {
		switch {
		case math.IsNaN(x) || math.IsInf(x, 1):
			return x
		case x > 0:
			return f(x)
		case x == 0:
			return math.Inf(-1)
		default:
			return math.NaN()
		}
	}
}

// natLog is math.log of one float argument.
var natLog = logDomain(cLog)

// logBase is math.log(x) and math.log(x, base).
func logBase(args []float64) (float64, error) {
	num, err := math1(args[0], natLog, false)
	if err != nil || len(args) == 1 {
		return num, err
	}
	den, err := math1(args[1], natLog, false)
	if err != nil {
		return 0, err
	}
	return LogRatio(num, den)
}

// LogRatio is math.log(x, base) from log(x) and log(base), as CPython's
// math_log_impl divides them: a base whose logarithm is 0 (base 1) is a
// ZeroDivisionError, code division_by_zero.
func LogRatio(num, den float64) (float64, error) {
	if den == 0 {
		return 0, abaco.Errorf(abaco.CodeDivisionByZero, "float division by zero")
	}
	return num / den, nil
}

// atan2 is CPython's math_2 over m_atan2, which fixes the special cases
// itself instead of trusting libm.
func atan2(args []float64) (float64, error) {
	y, x := args[0], args[1]
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return math.NaN(), nil
	case math.IsInf(y, 0):
		if math.IsInf(x, 0) {
			if !math.Signbit(x) {
				return math.Copysign(0.25*math.Pi, y), nil
			}
			return math.Copysign(0.75*math.Pi, y), nil
		}
		return math.Copysign(0.5*math.Pi, y), nil
	case math.IsInf(x, 0) || y == 0:
		if !math.Signbit(x) {
			return math.Copysign(0, y), nil
		}
		return math.Copysign(math.Pi, y), nil
	}
	return atan2Finite(y, x), nil
}

// hypot is Python 3.8+'s math.hypot over any number of coordinates: inf if
// any is infinite, else NaN if any is NaN, else the Euclidean norm. CPython
// computes it nearly always correctly rounded, so this sums the squares
// exactly enough in double-double arithmetic (scaled by a power of two
// against overflow and underflow) and corrects the square root once.
func hypot(args []float64) (float64, error) {
	maxAbs, foundNaN := 0.0, false
	for _, x := range args {
		x = math.Abs(x)
		foundNaN = foundNaN || math.IsNaN(x)
		if x > maxAbs {
			maxAbs = x
		}
	}
	switch {
	case math.IsInf(maxAbs, 1):
		return maxAbs, nil
	case foundNaN:
		return math.NaN(), nil
	case maxAbs == 0 || len(args) <= 1:
		return maxAbs, nil
	}
	_, e := math.Frexp(maxAbs)
	var hi, lo float64
	for _, x := range args {
		x = math.Ldexp(math.Abs(x), -e)
		p := x * x
		perr := math.FMA(x, x, -p)
		s := hi + p
		// TwoSum: hi + p == s + serr exactly.
		bp := s - hi
		serr := (hi - (s - bp)) + (p - bp)
		hi = s
		lo += serr + perr
	}
	s := hi + lo
	lo = lo - (s - hi)
	h := math.Sqrt(s)
	// One Newton step on the double-double s+lo: h += (s+lo-h*h)/(2h).
	h += (math.FMA(-h, h, s) + lo) / (2 * h)
	return math.Ldexp(h, e), nil
}
