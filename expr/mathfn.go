package expr

import (
	"math"
	"math/big"

	"abaco"
	"abaco/expr/internal/pymath"
)

// mathFunc runs a float function of the math module. Int arguments are
// converted to float first (overflow when too large), except for the
// logarithms, which accept ints of any size as CPython's loghelper does.
func (ev *evaluator) mathFunc(id builtinID, args []Value) (Value, error) {
	name := builtins[id].name
	switch id {
	case bLog, bLog2, bLog10:
		num, err := logOf(name, args[0])
		if err != nil || len(args) == 1 {
			return Float(num), err
		}
		den, err := logOf(name, args[1])
		if err != nil {
			return Value{}, err
		}
		if den == 0 {
			return Value{}, abaco.Errorf(abaco.CodeDivisionByZero, "float division by zero")
		}
		return Float(float64(num / den)), nil
	}
	var buf [4]float64
	fs := buf[:0]
	for _, a := range args {
		if a.words() > 1 {
			if err := ev.charge(a.words()); err != nil {
				return Value{}, err
			}
		}
		f, err := a.toFloat()
		if err != nil {
			return Value{}, err
		}
		fs = append(fs, f)
	}
	return callPymath(name, fs)
}

// callPymath calls pymath for a math function on float arguments.
func callPymath(name string, fs []float64) (Value, error) {
	r, ok, err := pymath.Call(name, fs)
	if err != nil {
		return Value{}, err
	}
	if !ok {
		return Value{}, abaco.Errorf(abaco.CodeInternal, "expr: pymath has no function %s", name)
	}
	return Float(r), nil
}

// logOf is CPython's loghelper: the logarithm fn (log, log2 or log10) of
// x, where an int too large for a float is split as m * 2**e with m in
// [0.5, 1) and its logarithm computed as fn(m) + fn(2) * e.
func logOf(fn string, x Value) (float64, error) {
	if x.k == kFloat {
		v, err := callPymath(fn, []float64{x.f})
		return v.f, err
	}
	if x.sign() <= 0 {
		return 0, abaco.Errorf(abaco.CodeDomain, "math domain error")
	}
	if f, err := x.toFloat(); err == nil {
		v, err := callPymath(fn, []float64{f})
		return v.f, err
	}
	// frexp as CPython's _PyLong_Frexp: the mantissa rounded half to even
	// to 53 bits.
	r := new(big.Float).SetPrec(53).SetInt(x.b)
	mant := new(big.Float)
	e := r.MantExp(mant)
	m, _ := mant.Float64()
	lm, err := callPymath(fn, []float64{m})
	if err != nil {
		return 0, err
	}
	l2, err := callPymath(fn, []float64{2})
	if err != nil {
		return 0, err
	}
	return float64(lm.f + float64(l2.f*float64(e))), nil
}

// floatConst returns the value of a math constant.
func floatConst(id builtinID) float64 {
	switch id {
	case bPi:
		return math.Pi
	case bE:
		return math.E
	case bTau:
		return 2 * math.Pi
	case bInf:
		return math.Inf(1)
	}
	return math.NaN()
}
