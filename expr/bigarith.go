package expr

import (
	"math"
	"math/big"

	"abaco"
)

// bigBinary applies o to two ints of which at least one does not fit in an
// int64 (or whose small result overflowed). Sizes are checked and work is
// charged before anything expensive runs.
func (ev *evaluator) bigBinary(o op, x, y Value) (Value, error) {
	var ta, tb big.Int
	a, b := x.toBig(&ta), y.toBig(&tb)
	wa, wb := x.words(), y.words()
	switch o {
	case opAdd, opSub, opBitAnd, opBitOr, opBitXor:
		if err := ev.charge(wa + wb); err != nil {
			return Value{}, err
		}
		z := new(big.Int)
		switch o {
		case opAdd:
			z.Add(a, b)
		case opSub:
			z.Sub(a, b)
		case opBitAnd:
			z.And(a, b)
		case opBitOr:
			z.Or(a, b)
		default:
			z.Xor(a, b)
		}
		return bigValue(z), nil
	case opMul:
		if n := x.bitLen() + y.bitLen() - 1; n > ev.maxBits {
			return Value{}, ev.bitsError(float64(n))
		}
		if err := ev.charge(wa * wb); err != nil {
			return Value{}, err
		}
		return bigValue(new(big.Int).Mul(a, b)), nil
	case opDiv:
		return ev.trueDivide(a, b, wa, wb)
	case opFloorDiv, opMod:
		if b.Sign() == 0 {
			_, _, err := smallBinary(o, Int(1), Int(0))
			return Value{}, err
		}
		if err := ev.charge(wa * wb); err != nil {
			return Value{}, err
		}
		q, r := new(big.Int).QuoRem(a, b, new(big.Int))
		if r.Sign() != 0 && r.Sign() != b.Sign() {
			q.Sub(q, big.NewInt(1))
			r.Add(r, b)
		}
		if o == opMod {
			return bigValue(r), nil
		}
		return bigValue(q), nil
	case opPow:
		return ev.intPow(x, y)
	case opLsh, opRsh:
		if y.sign() < 0 {
			return Value{}, errNegativeShift()
		}
		if x.sign() == 0 {
			return Int(0), nil
		}
		if o == opRsh {
			if y.k == kBig || y.i >= int64(x.bitLen()) {
				if x.sign() < 0 {
					return Int(-1), nil
				}
				return Int(0), nil
			}
			if err := ev.charge(wa); err != nil {
				return Value{}, err
			}
			return bigValue(new(big.Int).Rsh(a, uint(y.i))), nil
		}
		if y.k == kBig || y.i > int64(ev.maxBits) || int64(x.bitLen())+y.i > int64(ev.maxBits) {
			return Value{}, ev.bitsError(float64(x.bitLen()) + approx(y))
		}
		if err := ev.charge(wa + y.i/64); err != nil {
			return Value{}, err
		}
		return bigValue(new(big.Int).Lsh(a, uint(y.i))), nil
	}
	return Value{}, unsupported(o, x, y)
}

// trueDivide is int / int for operands too large for the float fast path:
// the exact quotient, correctly rounded, as CPython's long_true_divide.
func (ev *evaluator) trueDivide(a, b *big.Int, wa, wb int64) (Value, error) {
	if b.Sign() == 0 {
		return Value{}, abaco.Errorf(abaco.CodeDivisionByZero, "division by zero")
	}
	if a.Sign() == 0 {
		if b.Sign() < 0 {
			return Float(math.Copysign(0, -1)), nil
		}
		return Float(0), nil
	}
	if err := ev.charge(8 * (wa + wb)); err != nil {
		return Value{}, err
	}
	f := quoToFloat(a, b)
	if math.IsInf(f, 0) {
		return Value{}, abaco.Errorf(abaco.CodeOverflow, "integer division result too large for a float")
	}
	return Float(f), nil
}

// quoToFloat returns a/b (b nonzero) correctly rounded to a float64, in
// time linear in the operands' size: it computes a quotient of about 56
// bits with a sticky bit for the remainder, so that the one rounding of
// that value (by big.Float, which rounds subnormals correctly too) is the
// rounding of the exact quotient.
func quoToFloat(a, b *big.Int) float64 {
	neg := a.Sign()*b.Sign() < 0
	x, y := new(big.Int).Abs(a), new(big.Int).Abs(b)
	e := x.BitLen() - y.BitLen() - 56
	if e >= 0 {
		y.Lsh(y, uint(e))
	} else {
		x.Lsh(x, uint(-e))
	}
	q, r := x.QuoRem(x, y, new(big.Int))
	q.Lsh(q, 1)
	if r.Sign() != 0 {
		q.SetBit(q, 0, 1)
	}
	var m big.Float
	m.SetInt(q)
	m.SetMantExp(&m, e-1)
	f, _ := m.Float64()
	if neg {
		f = -f
	}
	return f
}

// intPow is int ** int. A negative exponent gives a float, as in Python;
// otherwise the result's size is estimated before computing it.
func (ev *evaluator) intPow(x, y Value) (Value, error) {
	if y.sign() < 0 {
		return ev.floatBinary(opPow, x, y)
	}
	if x.k != kBig && y.k != kBig {
		if r, ok := smallPow(x.i, y.i); ok {
			return Int(r), nil
		}
	}
	if y.sign() == 0 {
		return Int(1), nil
	}
	if x.k != kBig && x.i >= -1 && x.i <= 1 { // y is big: only its parity matters
		if x.i == -1 && y.b.Bit(0) == 0 {
			return Int(1), nil
		}
		return Int(x.i), nil
	}
	// |x| >= 2 here, so the result has about y*log2|x| + 1 bits.
	est := math.Floor(log2Abs(x)*float64(y.i)) + 1
	if y.k == kBig || est > float64(ev.maxBits) {
		if y.k == kBig {
			est = math.Inf(1)
		}
		return Value{}, ev.bitsError(est)
	}
	w := int64(est/64) + 1
	if err := ev.charge(w * w); err != nil {
		return Value{}, err
	}
	var t big.Int
	return bigValue(new(big.Int).Exp(x.toBig(&t), big.NewInt(y.i), nil)), nil
}

// approx returns an int as a float, inf when it is too large; for
// messages and estimates only.
func approx(v Value) float64 {
	if v.k != kBig {
		return float64(v.i)
	}
	f, _ := new(big.Float).SetInt(v.b).Float64()
	return f
}

// log2Abs returns log2|x| for a nonzero int, accurate enough for size
// estimates.
func log2Abs(x Value) float64 {
	if x.k != kBig {
		return math.Log2(float64(absU(x.i)))
	}
	n := x.b.BitLen()
	var top big.Int
	top.Rsh(new(big.Int).Abs(x.b), uint(n-60))
	return float64(n-60) + math.Log2(float64(top.Uint64()))
}

// unary applies -, +, ~ or not.
func (ev *evaluator) unary(o op, x Value) (Value, error) {
	switch o {
	case opNot:
		return Bool(!x.truthy()), nil
	case opNeg:
		switch x.k {
		case kFloat:
			return Float(-x.f), nil
		case kBig:
			return bigValue(new(big.Int).Neg(x.b)), nil
		}
		if x.i == math.MinInt64 {
			return bigValue(new(big.Int).Neg(big.NewInt(x.i))), nil
		}
		return Int(-x.i), nil
	case opPos:
		if x.k == kBool {
			return Int(x.i), nil
		}
		return x, nil
	case opInvert:
		switch x.k {
		case kFloat:
			return Value{}, abaco.Errorf(abaco.CodeType, "bad operand type for unary ~: 'float'")
		case kBig:
			return bigValue(new(big.Int).Not(x.b)), nil
		}
		return Int(^x.i), nil
	}
	return Value{}, abaco.Errorf(abaco.CodeInternal, "expr: unknown unary operator %d", o)
}
