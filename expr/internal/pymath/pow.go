package pymath

import (
	"math"

	"abaco"
)

// Pow returns x**y for floats as CPython computes it (float_pow over glibc pow).
// Errors: division_by_zero (0.0 to a negative power), domain (a complex
// result), overflow (a finite result too large).
func Pow(x, y float64) (float64, error) {
	// CPython's float_pow sorts out the special cases itself and hands
	// glibc only a finite positive x != 1 and a finite nonzero y.
	switch {
	case y == 0:
		return 1, nil
	case math.IsNaN(x):
		return x, nil
	case math.IsNaN(y):
		if x == 1 {
			return 1, nil
		}
		return y, nil
	case math.IsInf(y, 0):
		ax := math.Abs(x)
		if ax == 1 {
			return 1, nil
		}
		if (y > 0) == (ax > 1) {
			return math.Inf(1), nil
		}
		return 0, nil
	case math.IsInf(x, 0):
		odd := isOddInteger(y)
		if y > 0 {
			if odd {
				return x, nil
			}
			return math.Abs(x), nil
		}
		if odd {
			return math.Copysign(0, x), nil
		}
		return 0, nil
	case x == 0:
		if y < 0 {
			return 0, abaco.Errorf(abaco.CodeDivisionByZero, "0.0 cannot be raised to a negative power")
		}
		if isOddInteger(y) {
			return x, nil
		}
		return 0, nil
	}
	negate := false
	if x < 0 {
		if y != math.Floor(y) {
			// Python 3 returns a complex here, and complex pow raises
			// OverflowError when its modulus |x|**y overflows.
			if math.IsInf(glibcPow(-x, y), 0) {
				return 0, abaco.Errorf(abaco.CodeOverflow, "complex power result too large")
			}
			return 0, abaco.Errorf(abaco.CodeDomain, "negative number cannot be raised to a fractional power (result is complex)")
		}
		x = -x
		negate = isOddInteger(y)
	}
	if x == 1 {
		// Also (-1)**huge_integer, which some libms got wrong.
		if negate {
			return -1, nil
		}
		return 1, nil
	}
	r := glibcPow(x, y)
	if math.IsInf(r, 0) {
		return 0, abaco.Errorf(abaco.CodeOverflow, "float power result too large")
	}
	if negate {
		r = -r
	}
	return r, nil
}

// isOddInteger is CPython's DOUBLE_IS_ODD_INTEGER.
func isOddInteger(x float64) bool { return math.Mod(math.Abs(x), 2) == 1 }

const (
	powOff      = 0x3fe6955500000000
	bitsOne     = 0x3ff0000000000000
	signBit     = 1 << 63
	exp1p1009   = 0x1p1009
	exp1pm1022  = 0x1p-1022
	expTabBits  = 7
	expTabN     = 1 << expTabBits
	expTabShift = 52 - expTabBits
)

// glibcPow is glibc's pow (sysdeps/ieee754/dbl-64/e_pow.c, the algorithm of
// ARM's optimized-routines) as built for x86_64 CPUs with FMA, which is the
// variant glibc's ifunc picks on this hardware. Every fused multiply-add of
// that build (the explicit ones and those GCC contracted, read from the
// disassembly of libm.so.6) is a math.FMA here, and every separately rounded
// product is wrapped in float64() so that no Go port fuses it. It needs only
// finite x > 0, x != 1 and finite y != 0: Pow handles the rest as CPython does.
func glibcPow(x, y float64) float64 {
	ix := math.Float64bits(x)
	iy := math.Float64bits(y)
	topx := uint32(ix >> 52)
	topy := uint32(iy >> 52)
	if topx-0x001 >= 0x7ff-0x001 || (topy&0x7ff)-0x3be >= 0x43e-0x3be {
		// x is subnormal, or |y| < 0x1p-65 or |y| >= 0x1p63.
		if (topy&0x7ff)-0x3be >= 0x43e-0x3be {
			if topy&0x7ff < 0x3be {
				// |y| < 2^-65: x^y ~= 1 + y*log(x).
				if ix > bitsOne {
					return 1.0 + y
				}
				return 1.0 - y
			}
			if (ix > bitsOne) == (topy < 0x800) {
				return math.Inf(1)
			}
			return 0
		}
		ix = normalizeSubnormal(ix)
	}
	hi, lo := powLog(ix)
	ehi := float64(y * hi)
	elo := math.FMA(y, lo, math.FMA(hi, y, -ehi))
	return powExp(ehi, elo)
}

// powLog returns hi+lo = log(x) for the bits ix of x (subnormals normalized
// with a negative exponent), with about 15 bits more than double precision.
func powLog(ix uint64) (hi, lo float64) {
	// x = 2^k z, z in [powOff, 2*powOff) split into 128 subintervals.
	z, kd, i := logSplit(ix, powOff, 7)
	e := &powLogTable[i]

	// log(x) = k*Ln2 + log(c) + log1p(z/c-1); r is exact.
	r := math.FMA(z, e.invc, -1.0)
	t1 := math.FMA(kd, powLn2hi, e.logc)
	t2 := t1 + r
	lo1 := math.FMA(kd, powLn2lo, e.logctail)
	lo2 := t1 - t2 + r

	ar := float64(powA0 * r)
	ar2 := float64(r * ar)
	ar3 := float64(r * ar2)
	h := t2 + ar2
	lo3 := math.FMA(ar, r, -ar2)
	lo4 := t2 - h + ar2
	// The polynomial p = log1p(r) - r - A0*r*r, contracted as GCC did.
	q := math.FMA(ar2, math.FMA(math.FMA(r, powA6, powA5), ar2, math.FMA(r, powA4, powA3)),
		math.FMA(r, powA2, powA1))
	l := math.FMA(ar3, q, lo1+lo2+lo3+lo4)
	hi = h + l
	lo = h - hi + l
	return hi, lo
}

// powExp returns exp(x+xtail) for |xtail| < 2^-8/128, |xtail| <= |x|.
func powExp(x, xtail float64) float64 {
	abstop := uint32(math.Float64bits(x)>>52) & 0x7ff
	if abstop-0x3c9 >= 0x408-0x3c9 {
		if abstop-0x3c9 >= 0x80000000 {
			// |x| < 2^-54: avoid spurious underflow.
			return 1.0 + x
		}
		if abstop >= 0x409 {
			if math.Signbit(x) {
				return 0
			}
			return math.Inf(1)
		}
		// 512 <= |x| < 1024: the result may overflow or be subnormal.
		abstop = 0
	}
	// exp(x) = 2^(k/N) * exp(r), x = ln2/N*k + r, r in [-ln2/2N, ln2/2N].
	kd := math.FMA(x, expInvLn2N, expShift)
	ki := math.Float64bits(kd)
	kd -= expShift
	r := math.FMA(kd, expNegLn2loN, math.FMA(kd, expNegLn2hiN, x))
	r = xtail + r
	idx := 2 * (ki % expTabN)
	top := ki << expTabShift
	tail := math.Float64frombits(expTable[idx])
	sbits := expTable[idx+1] + top
	r2 := float64(r * r)
	t := math.FMA(r2, math.FMA(r, expC3, expC2), tail+r)
	t = math.FMA(float64(r2*r2), math.FMA(r, expC5, expC4), t)
	if abstop == 0 {
		return powExpSpecial(t, sbits, ki)
	}
	scale := math.Float64frombits(sbits)
	return math.FMA(scale, t, scale)
}

// powExpSpecial computes scale*(1+t) when it may overflow or be subnormal;
// the exponent in sbits may have wrapped, and int32(ki) is k.
func powExpSpecial(t float64, sbits, ki uint64) float64 {
	if ki&0x80000000 == 0 {
		// k > 0: the exponent of scale may have overflowed by <= 460.
		sbits -= 1009 << 52
		scale := math.Float64frombits(sbits)
		y := math.FMA(scale, t, scale)
		return y * exp1p1009
	}
	// k < 0: round once in the subnormal range to avoid double rounding.
	sbits += 1022 << 52
	scale := math.Float64frombits(sbits)
	st := float64(scale * t)
	y := scale + st
	if math.Abs(y) < 1.0 {
		one := 1.0
		if y < 0.0 {
			one = -1.0
		}
		lo := scale - y + st
		hi := one + y
		lo = one - hi + y + lo
		y = (hi + lo) - one
		if y == 0 {
			y = math.Float64frombits(sbits & signBit)
		}
	}
	return exp1pm1022 * y
}
