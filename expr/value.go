package expr

import (
	"math"
	"math/big"
	"strconv"

	"abaco"
	"abaco/expr/internal/pymath"
)

// vkind is the representation of a Value. Ints that fit in an int64 are
// kept unboxed; only larger ones carry a *big.Int, so that the common case
// never allocates.
type vkind uint8

const (
	kInt   vkind = iota // i holds the value
	kBig                // b holds the value, which never fits in an int64
	kFloat              // f holds the value
	kBool               // i is 0 or 1
)

// Value is the result of an expression: a Python int (of any size), float
// or bool. The zero Value is the int 0. Values are immutable.
type Value struct {
	k vkind
	i int64
	f float64
	b *big.Int
}

// Int returns the int value n.
func Int(n int64) Value { return Value{k: kInt, i: n} }

// Float returns the float value f.
func Float(f float64) Value { return Value{k: kFloat, f: f} }

// Bool returns True or False.
func Bool(b bool) Value {
	if b {
		return Value{k: kBool, i: 1}
	}
	return Value{k: kBool}
}

// BigInt returns the int value of n, which it does not retain.
func BigInt(n *big.Int) Value { return bigValue(new(big.Int).Set(n)) }

// bigValue wraps z, normalizing to the unboxed form when it fits. The
// Value takes ownership of z.
func bigValue(z *big.Int) Value {
	if z.IsInt64() {
		return Value{k: kInt, i: z.Int64()}
	}
	return Value{k: kBig, b: z}
}

// Kind returns the Python type of v.
func (v Value) Kind() abaco.Kind {
	switch v.k {
	case kFloat:
		return abaco.KindFloat
	case kBool:
		return abaco.KindBool
	}
	return abaco.KindInt
}

// IsFinite reports whether v can be written as a JSON number: false only
// for float infinities and NaN.
func (v Value) IsFinite() bool {
	return v.k != kFloat || !(math.IsInf(v.f, 0) || math.IsNaN(v.f))
}

// Repr returns v exactly as Python's repr prints it: 4, 0.30000000000000004,
// 1e+16, inf, True, and big integers in full.
func (v Value) Repr() string {
	switch v.k {
	case kInt:
		return strconv.FormatInt(v.i, 10)
	case kFloat:
		return pymath.Repr(v.f)
	}
	return string(v.AppendRepr(nil))
}

// String returns Repr, so Values print naturally with fmt.
func (v Value) String() string { return v.Repr() }

// AppendRepr appends Repr(v) to dst and returns the extended slice. It does
// not allocate for ints, floats and bools when dst has room.
func (v Value) AppendRepr(dst []byte) []byte {
	switch v.k {
	case kInt:
		return strconv.AppendInt(dst, v.i, 10)
	case kBig:
		return v.b.Append(dst, 10)
	case kFloat:
		return pymath.AppendRepr(dst, v.f)
	}
	if v.i != 0 {
		return append(dst, "True"...)
	}
	return append(dst, "False"...)
}

// truthy is Python's bool(v).
func (v Value) truthy() bool {
	switch v.k {
	case kBig:
		return true
	case kFloat:
		return v.f != 0
	}
	return v.i != 0
}

// sign returns -1, 0 or 1 for an int value.
func (v Value) sign() int {
	if v.k == kBig {
		return v.b.Sign()
	}
	switch {
	case v.i < 0:
		return -1
	case v.i > 0:
		return 1
	}
	return 0
}

// bitLen returns the bit length of |v| for an int value.
func (v Value) bitLen() int {
	if v.k == kBig {
		return v.b.BitLen()
	}
	u := uint64(v.i)
	if v.i < 0 {
		u = -u
	}
	n := 0
	for u != 0 {
		n++
		u >>= 1
	}
	return n
}

// words returns the size of an int value in 64-bit words, at least 1; it
// is the unit of the work budget.
func (v Value) words() int64 {
	if v.k == kBig {
		return int64(len(v.b.Bits()))
	}
	return 1
}

// toBig returns an int value as a *big.Int: its own for big values (which
// must not be modified), or tmp set to the value.
func (v Value) toBig(tmp *big.Int) *big.Int {
	if v.k == kBig {
		return v.b
	}
	return tmp.SetInt64(v.i)
}

// typeName is Python's name for v's type, for error messages.
func (v Value) typeName() string {
	switch v.k {
	case kFloat:
		return "float"
	case kBool:
		return "bool"
	}
	return "int"
}

// toFloat converts v to a float as Python's float(int) does: correctly
// rounded, with an overflow error when it is out of range.
func (v Value) toFloat() (float64, error) {
	switch v.k {
	case kFloat:
		return v.f, nil
	case kBig:
		f, _ := new(big.Float).SetInt(v.b).Float64()
		if math.IsInf(f, 0) {
			return 0, abaco.Errorf(abaco.CodeOverflow, "int too large to convert to float")
		}
		return f, nil
	}
	return float64(v.i), nil
}
