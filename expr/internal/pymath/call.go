package pymath

import (
	"math"

	"abaco"
)

// mathFunc is one math module function: its argument count (-1 for any),
// its C-level implementation, and whether an infinite result from finite
// arguments is an overflow (OverflowError) rather than a singularity
// (ValueError), as CPython's math_1 can_overflow flag says.
type mathFunc struct {
	nargs       int
	minArgs     int
	f1          func(float64) float64
	fn          func([]float64) (float64, error)
	canOverflow bool
}

var mathFuncs = map[string]mathFunc{
	"sqrt":  {nargs: 1, f1: math.Sqrt},
	"sin":   {nargs: 1, f1: cSin},
	"cos":   {nargs: 1, f1: cCos},
	"tan":   {nargs: 1, f1: cTan},
	"asin":  {nargs: 1, f1: cAsin},
	"acos":  {nargs: 1, f1: cAcos},
	"atan":  {nargs: 1, f1: cAtan},
	"exp":   {nargs: 1, f1: cExp, canOverflow: true},
	"log2":  {nargs: 1, f1: logOf(cLog2)},
	"log10": {nargs: 1, f1: logOf(cLog10)},
	"log":   {nargs: -1, minArgs: 1, fn: logBase},
	"atan2": {nargs: 2, fn: atan2},
	"hypot": {nargs: -1, fn: hypot},
}

// Call evaluates the math module function name (sqrt, sin, cos, tan, asin,
// acos, atan, atan2, log, log2, log10, exp, hypot; log with one or two
// arguments) on float arguments, as CPython's math module does. ok is false
// for a name it does not know. Errors: domain, overflow, type (argument count).
func Call(name string, args []float64) (result float64, ok bool, err error) {
	mf, ok := mathFuncs[name]
	if !ok {
		return 0, false, nil
	}
	if mf.nargs >= 0 && len(args) != mf.nargs {
		return 0, true, abaco.Errorf(abaco.CodeType, "%s() takes exactly %d argument(s) (%d given)", name, mf.nargs, len(args))
	}
	if len(args) < mf.minArgs {
		return 0, true, abaco.Errorf(abaco.CodeType, "%s() takes at least %d argument(s) (%d given)", name, mf.minArgs, len(args))
	}
	if mf.fn != nil {
		r, err := mf.fn(args)
		return r, true, err
	}
	r, err := math1(args[0], mf.f1, mf.canOverflow)
	return r, true, err
}

// math1 is CPython's math_1: a NaN from a non-NaN argument is a domain
// error; an infinity from a finite argument is an overflow or, for
// functions that cannot overflow, a domain error (a singularity).
func math1(x float64, f func(float64) float64, canOverflow bool) (float64, error) {
	r := f(x)
	if math.IsNaN(r) && !math.IsNaN(x) {
		return 0, errDomain()
	}
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsNaN(x) {
		if canOverflow {
			return 0, abaco.Errorf(abaco.CodeOverflow, "math range error")
		}
		return 0, errDomain()
	}
	return r, nil
}

func errDomain() error { return abaco.Errorf(abaco.CodeDomain, "math domain error") }

// logOf wraps a logarithm with CPython's m_log checks: log(0) is -inf and
// log of a negative number (or -inf) is NaN, which math1 turns into domain
// errors.
func logOf(f func(float64) float64) func(float64) float64 {
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

// logBase is math.log(x) and math.log(x, base) = log(x)/log(base).
func logBase(args []float64) (float64, error) {
	if len(args) > 2 {
		return 0, abaco.Errorf(abaco.CodeType, "log expected at most 2 arguments, got %d", len(args))
	}
	num, err := math1(args[0], logOf(cLog), false)
	if err != nil || len(args) == 1 {
		return num, err
	}
	den, err := math1(args[1], logOf(cLog), false)
	if err != nil {
		return 0, err
	}
	if den == 0 {
		return 0, abaco.Errorf(abaco.CodeDivisionByZero, "float division by zero (log base 1)")
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
