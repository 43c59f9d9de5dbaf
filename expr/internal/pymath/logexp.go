package pymath

import "math"

// 1/ln(2) as a double-double.
const (
	invLn2Hi = 0x1.71547652b82fep+0
	invLn2Lo = 0x1.777d0ffda0d24p-56
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

// cLog is C's log for x > 0 (logOf deals with the rest).
func cLog(x float64) float64 {
	if math.IsInf(x, 1) {
		return x
	}
	return glibcLog(x)
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

// fdlibm's log10 constants, as glibc uses them.
const (
	log10of2Hi = 0x1.34413509f6000p-2
	log10of2Lo = 0x1.9fef311f12b36p-42
	invLn10    = 0x1.bcb7b1526e50ep-2
)

// cLog10 is glibc's log10 for x > 0 (sysdeps/ieee754/dbl-64/e_log10.c, the
// fdlibm algorithm): k*log10(2) + log(m)/ln(10) for x = 2^k m, which is not
// always correctly rounded, so it is followed operation for operation.
func cLog10(x float64) float64 {
	if math.IsInf(x, 1) {
		return x
	}
	k := int64(0)
	if x < 0x1p-1022 {
		// Subnormal: scale into the normal range.
		k -= 54
		x *= 0x1p54
	}
	hx := int64(math.Float64bits(x))
	k += (hx >> 52) - 1023
	i := int64(uint64(k) >> 63)
	hx = (hx & (1<<52 - 1)) | ((0x3ff - i) << 52)
	y := float64(k + i)
	z := float64(y*log10of2Lo) + float64(invLn10*cLog(math.Float64frombits(uint64(hx))))
	return z + float64(y*log10of2Hi)
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
