package expr

import (
	"math"
	"math/bits"

	"abaco"
	"abaco/expr/internal/pymath"
)

// binary applies a non-short-circuit binary operator. An int meets a float
// by converting to float first (failing with overflow when it cannot), as
// Python does.
func (ev *evaluator) binary(o op, x, y Value) (Value, error) {
	if x.k == kFloat || y.k == kFloat {
		return ev.floatBinary(o, x, y)
	}
	if x.k != kBig && y.k != kBig {
		if v, ok, err := smallBinary(o, x, y); ok {
			return v, err
		}
	}
	return ev.bigBinary(o, x, y)
}

// unsupported is Python's TypeError for an operator on the wrong types.
func unsupported(o op, x, y Value) error {
	return abaco.Errorf(abaco.CodeType, "unsupported operand type(s) for %s: '%s' and '%s'", opText[o], x.typeName(), y.typeName())
}

// floatBinary applies o to two numbers of which at least one is a float.
func (ev *evaluator) floatBinary(o op, x, y Value) (Value, error) {
	switch o {
	case opLsh, opRsh, opBitAnd, opBitOr, opBitXor:
		return Value{}, unsupported(o, x, y)
	}
	a, err := x.toFloat()
	if err != nil {
		return Value{}, err
	}
	b, err := y.toFloat()
	if err != nil {
		return Value{}, err
	}
	// The explicit float64 conversions forbid fused multiply-add, which
	// would round differently from CPython.
	switch o {
	case opAdd:
		return Float(float64(a + b)), nil
	case opSub:
		return Float(float64(a - b)), nil
	case opMul:
		return Float(float64(a * b)), nil
	case opDiv:
		if b == 0 {
			return Value{}, abaco.Errorf(abaco.CodeDivisionByZero, "float division by zero")
		}
		return Float(float64(a / b)), nil
	case opFloorDiv:
		f, err := pymath.FloorDiv(a, b)
		return Float(f), err
	case opMod:
		f, err := pymath.Mod(a, b)
		return Float(f), err
	case opPow:
		f, err := pymath.Pow(a, b)
		return Float(f), err
	}
	return Value{}, unsupported(o, x, y)
}

// maxExact is 2**53: ints up to it in magnitude convert to float exactly.
const maxExact = 1 << 53

// smallBinary applies o to two unboxed ints (or bools). ok is false when
// the result does not fit in an int64; the caller then uses big.Int.
func smallBinary(o op, x, y Value) (v Value, ok bool, err error) {
	a, b := x.i, y.i
	switch o {
	case opAdd:
		c := a + b
		if (c > a) == (b > 0) {
			return Int(c), true, nil
		}
	case opSub:
		c := a - b
		if (c < a) == (b > 0) {
			return Int(c), true, nil
		}
	case opMul:
		hi, lo := bits.Mul64(absU(a), absU(b))
		neg := (a < 0) != (b < 0)
		if hi == 0 && lo <= math.MaxInt64 {
			if neg {
				return Int(-int64(lo)), true, nil
			}
			return Int(int64(lo)), true, nil
		}
		if hi == 0 && neg && lo == 1<<63 {
			return Int(math.MinInt64), true, nil
		}
	case opDiv:
		if b == 0 {
			return Value{}, true, abaco.Errorf(abaco.CodeDivisionByZero, "division by zero")
		}
		if absU(a) <= maxExact && absU(b) <= maxExact {
			return Float(float64(a) / float64(b)), true, nil
		}
	case opFloorDiv, opMod:
		if b == 0 {
			if o == opMod {
				return Value{}, true, abaco.Errorf(abaco.CodeDivisionByZero, "integer modulo by zero")
			}
			return Value{}, true, abaco.Errorf(abaco.CodeDivisionByZero, "integer division or modulo by zero")
		}
		if a == math.MinInt64 && b == -1 {
			return Value{}, false, nil
		}
		q, r := a/b, a%b
		if r != 0 && (r < 0) != (b < 0) {
			q--
			r += b
		}
		if o == opMod {
			return Int(r), true, nil
		}
		return Int(q), true, nil
	case opPow:
		if b < 0 {
			f, err := pymath.Pow(float64(a), float64(b))
			return Float(f), true, err
		}
		if r, ok := smallPow(a, b); ok {
			return Int(r), true, nil
		}
	case opLsh:
		if b < 0 {
			return Value{}, true, errNegativeShift()
		}
		if a == 0 {
			return Int(0), true, nil
		}
		if b < 63 && bits.Len64(absU(a))+int(b) < 63 {
			return Int(a << uint(b)), true, nil
		}
	case opRsh:
		if b < 0 {
			return Value{}, true, errNegativeShift()
		}
		if b > 63 {
			b = 63
		}
		return Int(a >> uint(b)), true, nil
	case opBitAnd, opBitOr, opBitXor:
		var c int64
		switch o {
		case opBitAnd:
			c = a & b
		case opBitOr:
			c = a | b
		default:
			c = a ^ b
		}
		if x.k == kBool && y.k == kBool {
			return Bool(c != 0), true, nil
		}
		return Int(c), true, nil
	}
	return Value{}, false, nil
}

// smallPow returns a**b for b >= 0 when it fits in an int64.
func smallPow(a, b int64) (int64, bool) {
	switch {
	case b == 0 || a == 1:
		return 1, true
	case a == 0:
		return 0, true
	case a == -1:
		if b&1 == 1 {
			return -1, true
		}
		return 1, true
	case b >= 64:
		return 0, false
	}
	neg := a < 0 && b&1 == 1
	base, r := absU(a), uint64(1)
	for {
		if b&1 == 1 {
			hi, lo := bits.Mul64(r, base)
			if hi != 0 || lo > 1<<63 {
				return 0, false
			}
			r = lo
		}
		b >>= 1
		if b == 0 {
			break
		}
		hi, lo := bits.Mul64(base, base)
		if hi != 0 {
			return 0, false
		}
		base = lo
	}
	switch {
	case r <= math.MaxInt64 && neg:
		return -int64(r), true
	case r <= math.MaxInt64:
		return int64(r), true
	case neg: // r == 1<<63
		return math.MinInt64, true
	}
	return 0, false
}

// errNegativeShift is Python's ValueError for x << n or x >> n with n < 0.
func errNegativeShift() error {
	return abaco.Errorf(abaco.CodeDomain, "negative shift count")
}
