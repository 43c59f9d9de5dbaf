package pymath

import (
	"errors"
	"math"
	"math/big"
	"strconv"

	"abaco"
)

// CPython's bounds on ndigits (floatobject.c NDIGITS_MAX and NDIGITS_MIN):
// beyond them every finite float rounds to itself or to a signed zero.
const (
	ndigitsMax = 323
	ndigitsMin = -308
)

// Round returns Python's round(x, ndigits) for a float x (correctly rounded,
// half to even on the exact decimal value). Errors: overflow.
func Round(x float64, ndigits int) (float64, error) {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return x, nil
	case ndigits > ndigitsMax:
		return x, nil
	case ndigits < ndigitsMin:
		return 0 * x, nil
	}
	var s string
	if ndigits >= 0 {
		// FormatFloat rounds the exact binary value, half to even on
		// exact ties, as dtoa's mode 3 does.
		s = strconv.FormatFloat(x, 'f', ndigits, 64)
	} else {
		s = roundToPowerOfTen(x, -ndigits)
	}
	r, err := strconv.ParseFloat(s, 64)
	if err != nil && !(errors.Is(err, strconv.ErrRange) && math.Abs(r) < 1) {
		return 0, abaco.Errorf(abaco.CodeOverflow, "rounded value too large to represent")
	}
	return r, nil
}

// roundToPowerOfTen returns, as a decimal string, the multiple of 10**k
// nearest to finite x (ties to an even multiple), computed exactly.
func roundToPowerOfTen(x float64, k int) string {
	frac, exp := math.Frexp(math.Abs(x))
	// |x| = mant * 2**exp exactly, with mant a 53-bit integer.
	mant := new(big.Int).SetUint64(uint64(math.Ldexp(frac, 53)))
	exp -= 53
	num, den := mant, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
	if exp >= 0 {
		num.Lsh(num, uint(exp))
	} else {
		den.Lsh(den, uint(-exp))
	}
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	// Compare 2*rem with den to round half to even.
	switch c := rem.Lsh(rem, 1).Cmp(den); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	sign := ""
	if math.Signbit(x) {
		sign = "-"
	}
	return sign + q.String() + "e" + strconv.Itoa(k)
}
