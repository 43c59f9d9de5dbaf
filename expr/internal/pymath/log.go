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
	// x = 2^k z, z in [0x1.6p-1, 0x1.6p0) split into 128 subintervals.
	z, kd, i := logSplit(normalizeSubnormal(ix), 0x3fe6000000000000, 7)
	e := &logTable[i]

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

// glibcLog2 is glibc's log2 (sysdeps/ieee754/dbl-64/e_log2.c, ARM's
// algorithm) as built for x86_64 CPUs with FMA, fused operations included.
// It needs finite x > 0.
func glibcLog2(x float64) float64 {
	ix := math.Float64bits(x)
	const lo, hi = 0x3feea4af00000000, 0x3ff0b55900000000 // 1 - 0x1.5b51p-5, 1 + 0x1.6ab2p-5
	if ix-lo < hi-lo {
		return glibcLog2Near1(x)
	}
	// x = 2^k z, z in [0x1.6p-1, 0x1.6p0) split into 64 subintervals.
	z, kd, i := logSplit(normalizeSubnormal(ix), 0x3fe6000000000000, 6)
	e := &log2Table[i]

	// log2(x) = log2(z/c) + log2(c) + k.
	r := math.FMA(z, e.invc, -1.0)
	t1 := float64(r * log2InvLn2hi)
	t2 := math.FMA(r, log2InvLn2lo, math.FMA(log2InvLn2hi, r, -t1))
	t3 := kd + e.logc
	h := t3 + t1
	l := t3 - h + t1 + t2
	r2 := float64(r * r)
	r4 := float64(r2 * r2)
	p := math.FMA(math.FMA(r, log2A3, log2A2), r2, math.FMA(r, log2A1, log2A0))
	p = math.FMA(math.FMA(r, log2A5, log2A4), r4, p)
	return math.FMA(r2, p, l) + h
}

// glibcLog2Near1 is glibc log2's separate path for x close to 1.
func glibcLog2Near1(x float64) float64 {
	if x == 1 {
		return 0
	}
	r := x - 1.0
	hi := float64(log2InvLn2hi * r)
	r2 := float64(r * r)
	r4 := float64(r2 * r2)
	lo := math.FMA(r, log2InvLn2lo, math.FMA(log2InvLn2hi, r, -hi))
	b01 := math.FMA(r, log2B1, log2B0)
	y := math.FMA(b01, r2, hi)
	lo = math.FMA(b01, r2, hi-y) + lo
	q := math.FMA(math.FMA(r, log2B5, log2B4), r2, math.FMA(r, log2B3, log2B2))
	q = math.FMA(math.FMA(math.FMA(r, log2B9, log2B8), r2, math.FMA(r, log2B7, log2B6)), r4, q)
	return y + math.FMA(q, r4, lo)
}

// normalizeSubnormal returns the bits of positive x, with a subnormal x
// scaled by 2^52 and its exponent field lowered by 52 (so it wraps negative
// in logSplit's arithmetic shift), as glibc's logarithms do.
func normalizeSubnormal(ix uint64) uint64 {
	if ix>>52 != 0 {
		return ix
	}
	return math.Float64bits(math.Float64frombits(ix)*0x1p52) - 52<<52
}

// logSplit writes x (bits ix) as 2^k z with z in [off, 2*off) and returns
// z, k and the index of z's subinterval out of 1<<bits.
func logSplit(ix, off uint64, bits uint) (z, kd float64, i uint64) {
	tmp := ix - off
	i = (tmp >> (52 - bits)) % (1 << bits)
	z = math.Float64frombits(ix - (tmp & (0xfff << 52)))
	return z, float64(int64(tmp) >> 52), i
}
