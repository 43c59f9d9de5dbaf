package expr

import (
	"math/big"

	"abaco/expr/internal/pymath"
)

// mathFunc runs a float function of the math module. Int arguments are
// converted to float first (overflow when too large), except for the
// logarithms, which accept ints of any size as CPython's loghelper does.
func (ev *evaluator) mathFunc(id builtinID, args []Value) (Value, error) {
	fn := builtins[id].fn
	switch id {
	case bLog, bLog2, bLog10:
		num, err := logValue(fn, args[0])
		if err != nil || len(args) == 1 {
			return Float(num), err
		}
		den, err := logValue(fn, args[1])
		if err != nil {
			return Value{}, err
		}
		r, err := pymath.LogRatio(num, den)
		return Float(r), err
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
	r, err := fn.Eval(fs)
	return Float(r), err
}

// logValue is CPython's loghelper: the logarithm fn (log, log2 or log10,
// of one argument) of an int or float x, where an int too large for a
// float is split as m * 2**e with m in [0.5, 1) and its logarithm computed
// as fn(m) + fn(2) * e.
func logValue(fn pymath.Func, x Value) (float64, error) {
	if x.k == kFloat {
		return fn.Eval([]float64{x.f})
	}
	if x.sign() <= 0 {
		return 0, pymath.DomainError()
	}
	if f, err := x.toFloat(); err == nil {
		return fn.Eval([]float64{f})
	}
	// frexp as CPython's _PyLong_Frexp: the mantissa rounded half to even
	// to 53 bits.
	r := new(big.Float).SetPrec(53).SetInt(x.b)
	mant := new(big.Float)
	e := r.MantExp(mant)
	m, _ := mant.Float64()
	lm, err := fn.Eval([]float64{m})
	if err != nil {
		return 0, err
	}
	l2, err := fn.Eval([]float64{2})
	if err != nil {
		return 0, err
	}
	return float64(lm + float64(l2*float64(e))), nil
}
