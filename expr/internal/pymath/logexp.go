package pymath

import "math"

// 1/ln(2) and 1/ln(10) as double-doubles.
const (
	invLn2Hi  = 0x1.71547652b82fep+0
	invLn2Lo  = 0x1.777d0ffda0d24p-56
	invLn10Hi = 0x1.bcb7b1526e50ep-2
	invLn10Lo = 0x1.95355baaafad3p-57
)

// logDD returns hi+lo = ln(x) for finite x > 0 with a relative error near
// 2^-68, using the log of glibc's pow (so that hi is ln(x) correctly rounded
// in all but rare cases).
func logDD(x float64) (hi, lo float64) {
	ix := math.Float64bits(x)
	if ix>>52 == 0 {
		// Normalize subnormal x so the exponent becomes negative.
		ix = math.Float64bits(x*0x1p52) &^ signBit
		ix -= 52 << 52
	}
	return powLog(ix)
}

// cLog is C's log for x > 0 (math1's callers deal with the rest).
func cLog(x float64) float64 {
	if math.IsInf(x, 1) {
		return x
	}
	hi, _ := logDD(x)
	return hi
}

// cLog2 is C's log2 for x > 0: exact for powers of two.
func cLog2(x float64) float64 {
	if math.IsInf(x, 1) {
		return x
	}
	hi, lo := logDD(x)
	h, _ := ddMul(hi, lo, invLn2Hi, invLn2Lo)
	return h
}

// cLog10 is C's log10 for x > 0: exact for exact powers of ten.
func cLog10(x float64) float64 {
	if math.IsInf(x, 1) {
		return x
	}
	hi, lo := logDD(x)
	h, _ := ddMul(hi, lo, invLn10Hi, invLn10Lo)
	return h
}

// cExp is glibc's exp: the same algorithm and tables as the exp inside pow.
func cExp(x float64) float64 {
	switch {
	case math.IsNaN(x), math.IsInf(x, 1):
		return x
	case math.IsInf(x, -1):
		return 0
	}
	return powExp(x, 0)
}
