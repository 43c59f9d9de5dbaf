package pymath

import "math"

// Inverse trigonometric functions: Go's math.Asin, Acos and Atan2 err by
// several ulps in places, so their results serve as first guesses that
// Newton steps with the double-double sin and cos then correct.

// newtonSteps returns how many Newton steps asin and acos of x take from Go's
// guess, whose error e of a few ulps a step turns into about e^2 * tan(t)/2
// (cot(t)/2 for acos): one step when that factor is small, two near |x| = 1,
// where it grows to about 2^26.
func newtonSteps(ax float64) int {
	if ax < 0.75 {
		return 1
	}
	return 2
}

// cAsin is C's asin: x itself for |x| < 2^-26, as glibc returns.
func cAsin(x float64) float64 {
	ax := math.Abs(x)
	switch {
	case math.IsNaN(x) || ax > 1:
		return math.NaN()
	case ax == 1:
		return math.Copysign(pio2Hi, x)
	case ax < 0x1p-26:
		return x
	}
	t := math.Asin(x)
	for range newtonSteps(ax) {
		// Newton on sin(t) - x.
		sh, sl, ch, _ := sinCosDD(t)
		dh, _ := ddAdd(sh, sl, -x, 0)
		t -= dh / ch
	}
	return t
}

// cAcos is C's acos.
func cAcos(x float64) float64 {
	ax := math.Abs(x)
	switch {
	case math.IsNaN(x) || ax > 1:
		return math.NaN()
	case x == 1:
		return 0
	case x == -1:
		return math.Pi
	}
	t := math.Acos(x)
	for range newtonSteps(ax) {
		// Newton on cos(t) - x.
		s, _, ch, cl := sinCosDD(t)
		dh, _ := ddAdd(ch, cl, -x, 0)
		t += dh / s
	}
	return t
}

// cAtan is C's atan.
func cAtan(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case math.IsInf(x, 0):
		return math.Copysign(pio2Hi, x)
	case math.Abs(x) < 0x1p-27:
		return x
	}
	return atan2Finite(x, 1)
}

// atan2Finite is C's atan2 for finite x and y, not both zero.
func atan2Finite(y, x float64) float64 {
	ay, ax := math.Abs(y), math.Abs(x)
	if ay == 0 || ax == 0 {
		return math.Atan2(y, x) // exact special values
	}
	// Scale so the larger is in [1/2, 1); atan2 does not change.
	switch _, e := math.Frexp(math.Max(ay, ax)); {
	case ay < math.Ldexp(ax, -600):
		// The angle is y/x, or pi - |y/x| rounded to pi, beyond any
		// rounding error; the unscaled quotient keeps subnormal results.
		if x > 0 {
			return y / x
		}
		return math.Copysign(math.Pi, y)
	case ax < math.Ldexp(ay, -600):
		return math.Copysign(pio2Hi, y)
	default:
		y, x = math.Ldexp(y, -e), math.Ldexp(x, -e)
	}
	// One Newton step on y*cos(t) - x*sin(t) = r*sin(angle - t), whose
	// slope is -(x*cos(t) + y*sin(t)): the step adds tan(angle - t), so the
	// error e of Go's few-ulp guess becomes about e^3/3.
	t := math.Atan2(y, x)
	sh, sl, ch, cl := sinCosDD(t)
	ah, al := ddMulD(ch, cl, y)
	bh, bl := ddMulD(sh, sl, x)
	nh, _ := ddAdd(ah, al, -bh, -bl)
	return t + nh/(x*ch+y*sh)
}
