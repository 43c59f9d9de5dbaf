package pymath

import "math"

// glibcLog is glibc's log (sysdeps/ieee754/dbl-64/e_log.c, the algorithm of
// ARM's optimized-routines) as built for x86_64 CPUs with FMA, with the
// fused operations of that build, read from libm.so.6's disassembly. It
// needs finite x > 0. Being bit-exact matters beyond log itself: glibc's
// log10 is computed from it, and scales a 1-ulp difference to 2 ulps.
func glibcLog(x float64) float64 {
	ix := math.Float64bits(x)
	const lo, hi = 0x3fee000000000000, 0x3ff1090000000000 // 1 - 2^-4, 1 + 0x1.09p-4
	if ix-lo < hi-lo {
		return glibcLogNear1(x)
	}
	if ix>>52 == 0 {
		// Subnormal: normalize so the exponent becomes negative.
		ix = math.Float64bits(x * 0x1p52)
		ix -= 52 << 52
	}
	// x = 2^k z, z in [0x1.6p-1, 0x1.6p0) split into 128 subintervals.
	const off = 0x3fe6000000000000
	tmp := ix - off
	i := (tmp >> (52 - 7)) % 128
	k := int64(tmp) >> 52
	z := math.Float64frombits(ix - (tmp & (0xfff << 52)))
	e := &logTable[i]
	kd := float64(k)

	// log(x) = log1p(z/c-1) + log(c) + k*Ln2, r exact-ish with the fma.
	r := math.FMA(z, e.invc, -1.0)
	w := math.FMA(kd, logLn2hi, e.logc)
	h := w + r
	l := math.FMA(kd, logLn2lo, w-h+r)
	r2 := float64(r * r)
	r3 := float64(r * r2)
	p := math.FMA(math.FMA(r, logA4, logA3), r2, math.FMA(r, logA2, logA1))
	y := math.FMA(r3, p, math.FMA(r2, logA0, l))
	return y + h
}

// glibcLogNear1 is glibc log's separate path for x within 2^-4 of 1.
func glibcLogNear1(x float64) float64 {
	if x == 1 {
		return 0
	}
	r := x - 1.0
	r2 := float64(r * r)
	r3 := float64(r * r2)
	p1 := math.FMA(r2, logB3, math.FMA(r, logB2, logB1))
	p2 := math.FMA(r2, logB6, math.FMA(r, logB5, logB4))
	p3 := math.FMA(r3, logB10, math.FMA(r2, logB9, math.FMA(r, logB8, logB7)))
	p := math.FMA(math.FMA(p3, r3, p2), r3, p1)
	// Split r so that rhi*rhi is exact.
	rhi := math.FMA(-0x1p27, r, math.FMA(r, 0x1p27, r))
	rlo := r - rhi
	rhi2 := float64(rhi * rhi)
	hi := math.FMA(rhi2, logB0, r)
	lo := math.FMA(rhi2, logB0, r-hi)
	lo = math.FMA(float64(logB0*rlo), rhi+r, lo)
	y := math.FMA(r3, p, lo)
	return hi + y
}
