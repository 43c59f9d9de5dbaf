package pymath

import "math"

// cLog is C's log for x > 0 (logDomain deals with the rest).
func cLog(x float64) float64 {
	if math.IsInf(x, 1) {
		return x
	}
	return glibcLog(x)
}

// cLog2 is C's log2 for x > 0.
func cLog2(x float64) float64 {
	if math.IsInf(x, 1) {
		return x
	}
	return glibcLog2(x)
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
