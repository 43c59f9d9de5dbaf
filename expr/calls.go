package expr

import (
	"math"
	"math/big"
	"strconv"

	"abaco"
	"abaco/expr/internal/pymath"
)

// call evaluates a function call: the callee, then every argument left to
// right (as Python does), then the function.
func (ev *evaluator) call(n *node) (Value, error) {
	callee := &ev.t.nodes[n.a]
	if callee.kind != nName {
		v, err := ev.eval(n.a)
		if err != nil {
			return Value{}, err
		}
		return Value{}, abaco.Errorf(abaco.CodeType, "'%s' object is not callable", v.typeName())
	}
	id := builtinID(callee.a)
	switch {
	case id == bUnknown:
		return Value{}, ev.nameError(callee)
	case id == bMath:
		return Value{}, abaco.Errorf(abaco.CodeType, "'module' object is not callable")
	case builtins[id].constant:
		return Value{}, abaco.Errorf(abaco.CodeType, "'float' object is not callable")
	}
	var buf [4]Value
	args := buf[:0]
	for j := n.b; j >= 0; j = ev.t.nodes[j].b {
		v, err := ev.eval(ev.t.nodes[j].a)
		if err != nil {
			return Value{}, err
		}
		args = append(args, v)
	}
	info := &builtins[id]
	if len(args) < info.min || info.max >= 0 && len(args) > info.max {
		return Value{}, arityError(info, len(args))
	}
	return ev.apply(id, args)
}

// arityError is Python's TypeError for a wrong argument count.
func arityError(info *builtinInfo, got int) error {
	want := ""
	switch {
	case info.min == info.max:
		want = "exactly " + strconv.Itoa(info.min)
	case info.max < 0:
		want = "at least " + strconv.Itoa(info.min)
	case got < info.min:
		want = "at least " + strconv.Itoa(info.min)
	default:
		want = "at most " + strconv.Itoa(info.max)
	}
	noun := " arguments"
	if want[len(want)-1] == '1' {
		noun = " argument"
	}
	return abaco.Errorf(abaco.CodeType, "%s() takes %s%s (%d given)", info.name, want, noun, got)
}

// apply runs builtin id on evaluated arguments whose count is valid.
func (ev *evaluator) apply(id builtinID, args []Value) (Value, error) {
	switch id {
	case bAbs:
		return ev.abs(args[0])
	case bRound:
		if len(args) == 1 {
			if args[0].k == kFloat {
				return floatToInt(math.RoundToEven(args[0].f))
			}
			return ev.unary(opPos, args[0])
		}
		return ev.round(args[0], args[1])
	case bMin, bMax:
		return ev.minMax(id, args)
	case bPow:
		if len(args) == 3 {
			return ev.modPow(args[0], args[1], args[2])
		}
		return ev.binary(opPow, args[0], args[1])
	case bInt:
		switch len(args) {
		case 0:
			return Int(0), nil
		case 2:
			return Value{}, abaco.Errorf(abaco.CodeType, "int() can't convert non-string with explicit base")
		}
		if args[0].k == kFloat {
			return floatToInt(math.Trunc(args[0].f))
		}
		return ev.unary(opPos, args[0])
	case bFloat:
		if len(args) == 0 {
			return Float(0), nil
		}
		f, err := args[0].toFloat()
		return Float(f), err
	case bFloor, bCeil:
		x := args[0]
		if x.k != kFloat {
			return ev.unary(opPos, x)
		}
		if id == bFloor {
			return floatToInt(math.Floor(x.f))
		}
		return floatToInt(math.Ceil(x.f))
	case bFactorial:
		return ev.factorial(args[0])
	case bGcd:
		return ev.gcd(args)
	}
	return ev.mathFunc(id, args)
}

// floatToInt converts an integral float to an int, failing for inf and
// NaN as Python's int() does.
func floatToInt(f float64) (Value, error) {
	switch {
	case math.IsNaN(f):
		return Value{}, abaco.Errorf(abaco.CodeDomain, "cannot convert float NaN to integer")
	case math.IsInf(f, 0):
		return Value{}, abaco.Errorf(abaco.CodeOverflow, "cannot convert float infinity to integer")
	case f >= -(1<<63) && f < 1<<63:
		return Int(int64(f)), nil
	}
	z, _ := new(big.Float).SetFloat64(f).Int(nil)
	return bigValue(z), nil
}

func (ev *evaluator) abs(x Value) (Value, error) {
	switch {
	case x.k == kFloat:
		return Float(math.Abs(x.f)), nil
	case x.sign() >= 0:
		return ev.unary(opPos, x)
	}
	return ev.unary(opNeg, x)
}

// round is round(x, ndigits).
func (ev *evaluator) round(x, nd Value) (Value, error) {
	if nd.k == kFloat {
		return Value{}, errFloatNotInt()
	}
	// Python clamps ndigits to the C ssize_t range; any value beyond
	// +-2**40 already means "keep everything" or "round to zero".
	n := int64(1 << 40)
	if nd.k != kBig && nd.i < n && nd.i > -n {
		n = nd.i
	} else if nd.sign() < 0 {
		n = -n
	}
	if x.k == kFloat {
		f, err := pymath.Round(x.f, int(n))
		return Float(f), err
	}
	if n >= 0 {
		return ev.unary(opPos, x)
	}
	// Round to a multiple of 10**-n, halves to even, as CPython's
	// long_round: x - divmod_near(x, 10**-n)[1].
	k := -n
	if float64(k) > float64(x.bitLen())*math.Log10(2)+1 {
		return Int(0), nil // 10**k > 2|x|
	}
	if err := ev.charge(x.words() * x.words() * 2); err != nil {
		return Value{}, err
	}
	var t big.Int
	a := x.toBig(&t)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(k), nil)
	q, r := new(big.Int).DivMod(a, p, new(big.Int)) // r in [0, p)
	twice := new(big.Int).Lsh(r, 1)
	if c := twice.Cmp(p); c > 0 || c == 0 && q.Bit(0) == 1 {
		r.Sub(r, p)
	}
	return bigValue(new(big.Int).Sub(a, r)), nil
}

// minMax is min(...) or max(...) of two or more numbers: the first of the
// smallest (largest), as Python's strict comparison leaves it.
func (ev *evaluator) minMax(id builtinID, args []Value) (Value, error) {
	if len(args) == 1 {
		return Value{}, abaco.Errorf(abaco.CodeType, "'%s' object is not iterable: %s() needs two or more numbers", args[0].typeName(), builtins[id].name)
	}
	o := opLt
	if id == bMax {
		o = opGt
	}
	best := args[0]
	for _, v := range args[1:] {
		better, err := ev.compare(o, v, best)
		if err != nil {
			return Value{}, err
		}
		if better {
			best = v
		}
	}
	return best, nil
}

// modPow is pow(x, y, m): all ints, m nonzero; a negative y uses the
// modular inverse of x. The result has the sign of m, as in Python.
func (ev *evaluator) modPow(x, y, m Value) (Value, error) {
	if x.k == kFloat || y.k == kFloat || m.k == kFloat {
		return Value{}, abaco.Errorf(abaco.CodeType, "pow() 3rd argument not allowed unless all arguments are integers")
	}
	if m.sign() == 0 {
		return Value{}, abaco.Errorf(abaco.CodeDomain, "pow() 3rd argument cannot be 0")
	}
	wm := m.words()
	if err := ev.charge(int64(y.bitLen()+1)*wm*wm*4 + x.words()*wm); err != nil {
		return Value{}, err
	}
	var tx, ty, tm big.Int
	mod := new(big.Int).Abs(m.toBig(&tm))
	if mod.Cmp(big.NewInt(1)) == 0 {
		return Int(0), nil
	}
	base := new(big.Int).Mod(x.toBig(&tx), mod)
	exp := new(big.Int).Set(y.toBig(&ty))
	if exp.Sign() < 0 {
		if base.ModInverse(base, mod) == nil {
			return Value{}, abaco.Errorf(abaco.CodeDomain, "base is not invertible for the given modulus")
		}
		exp.Neg(exp)
	}
	r := new(big.Int).Exp(base, exp, mod)
	if m.sign() < 0 && r.Sign() != 0 {
		r.Sub(r, mod)
	}
	return bigValue(r), nil
}

// factorial is math.factorial(n) for an int n >= 0.
func (ev *evaluator) factorial(x Value) (Value, error) {
	if x.k == kFloat {
		return Value{}, errFloatNotInt()
	}
	if x.sign() < 0 {
		return Value{}, abaco.Errorf(abaco.CodeDomain, "factorial() not defined for negative values")
	}
	if x.k == kBig {
		return Value{}, ev.bitsError(math.Inf(1))
	}
	n := x.i
	lg, _ := math.Lgamma(float64(n) + 1)
	est := lg / math.Ln2
	if est > float64(ev.maxBits) {
		return Value{}, ev.bitsError(est)
	}
	w := int64(est/64) + 1
	// The product of many small factors costs about 64 units per factor
	// on top of the final multiplications.
	if err := ev.charge(w*w + 64*n); err != nil {
		return Value{}, err
	}
	if n <= 20 {
		r := int64(1)
		for i := int64(2); i <= n; i++ {
			r *= i
		}
		return Int(r), nil
	}
	return bigValue(new(big.Int).MulRange(1, n)), nil
}

// gcd is math.gcd(*ints), 0 for no arguments.
func (ev *evaluator) gcd(args []Value) (Value, error) {
	acc := new(big.Int)
	var t big.Int
	for _, v := range args {
		if v.k == kFloat {
			return Value{}, errFloatNotInt()
		}
		w := v.words() + int64(len(acc.Bits()))
		if err := ev.charge(w * w); err != nil {
			return Value{}, err
		}
		acc.GCD(nil, nil, acc, v.toBig(&t))
	}
	return bigValue(acc), nil
}

// errFloatNotInt is Python's TypeError for a float where only an int will
// do (round's ndigits, factorial, gcd).
func errFloatNotInt() error {
	return abaco.Errorf(abaco.CodeType, "'float' object cannot be interpreted as an integer")
}
