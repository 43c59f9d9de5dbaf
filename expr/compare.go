package expr

import (
	"math"
	"math/big"
)

// compare applies a comparison operator. Ints and floats compare exactly,
// as in Python: 2**53 + 1 == 2.0**53 is False. NaN is unordered: only !=
// holds.
func (ev *evaluator) compare(o op, x, y Value) (bool, error) {
	if x.k == kBig || y.k == kBig {
		if err := ev.charge(x.words() + y.words()); err != nil {
			return false, err
		}
	}
	c, ordered := cmp3(x, y)
	if !ordered {
		return o == opNe, nil
	}
	switch o {
	case opEq:
		return c == 0, nil
	case opNe:
		return c != 0, nil
	case opLt:
		return c < 0, nil
	case opLe:
		return c <= 0, nil
	case opGt:
		return c > 0, nil
	}
	return c >= 0, nil
}

// cmp3 returns -1, 0 or 1 as x is less than, equal to or greater than y,
// and false when they are unordered (a NaN is involved).
func cmp3(x, y Value) (int, bool) {
	switch {
	case x.k == kFloat && y.k == kFloat:
		return cmpFloat(x.f, y.f)
	case x.k == kFloat:
		c, ok := cmpIntFloat(y, x.f)
		return -c, ok
	case y.k == kFloat:
		return cmpIntFloat(x, y.f)
	case x.k != kBig && y.k != kBig:
		return cmpInt64(x.i, y.i), true
	}
	var ta, tb big.Int
	return x.toBig(&ta).Cmp(y.toBig(&tb)), true
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) (int, bool) {
	switch {
	case a < b:
		return -1, true
	case a > b:
		return 1, true
	case a == b:
		return 0, true
	}
	return 0, false
}

// cmpIntFloat compares an int with a float exactly.
func cmpIntFloat(x Value, f float64) (int, bool) {
	if math.IsNaN(f) {
		return 0, false
	}
	if math.IsInf(f, 0) {
		if f > 0 {
			return -1, true
		}
		return 1, true
	}
	if x.k != kBig && absU(x.i) <= maxExact {
		return cmpFloat(float64(x.i), f)
	}
	var t big.Int
	xf := new(big.Float).SetInt(x.toBig(&t))
	return xf.Cmp(new(big.Float).SetFloat64(f)), true
}
