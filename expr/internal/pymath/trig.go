package pymath

import (
	"math"
	"math/big"
)

// Trigonometric functions with a double-double kernel, so that results are
// correctly rounded in all but very rare cases and so within 1 ulp of
// glibc's (whose sin, cos and tan err by less than 0.55 ulp). The constants
// were computed with exact rational arithmetic in Python.

// pi/2 as the sum of three doubles (about 160 bits).
const (
	pio2Hi  = 0x1.921fb54442d18p+0
	pio2Mid = 0x1.1a62633145c07p-54
	pio2Lo  = -0x1.f1976b7ed8fbcp-110
	twoOPi  = 0x1.45f306dc9c883p-1
)

// twoOverPiBits is 2/pi to 1600 bits, for reducing huge arguments.
const twoOverPiBits = "0x.a2f9836e4e441529fc2757d1f534ddc0db6295993c439041fe5163abdebbc561b7246e3a424dd2e006492eea09d1921cfe1deb1cb129a73ee88235f52ebb4484e99c7026b45f7e413991d639835339f49c845f8bbdf9283b1ff897ffde05980fef2f118b5a0a6d1f6d367ecf27cb09b74f463f669e5fea2d7527bac7ebe5f17b3d0739f78a5292ea6bfb5fb11f8d5d0856033046fc7b6babf0cfbc209af4361da9e391615ee61b086599855f14a068408dffd8804d73273106061556ca73a8c960e27bc08c6b47c4p0"

// invFact holds 1/k! as double-doubles.
var invFact = [30][2]float64{
	{0x1.0000000000000p+0, 0},                        // 1/0!
	{0x1.0000000000000p+0, 0},                        // 1/1!
	{0x1.0000000000000p-1, 0},                        // 1/2!
	{0x1.5555555555555p-3, 0x1.5555555555555p-57},    // 1/3!
	{0x1.5555555555555p-5, 0x1.5555555555555p-59},    // 1/4!
	{0x1.1111111111111p-7, 0x1.1111111111111p-63},    // 1/5!
	{0x1.6c16c16c16c17p-10, -0x1.f49f49f49f49fp-65},  // 1/6!
	{0x1.a01a01a01a01ap-13, 0x1.a01a01a01a01ap-73},   // 1/7!
	{0x1.a01a01a01a01ap-16, 0x1.a01a01a01a01ap-76},   // 1/8!
	{0x1.71de3a556c734p-19, -0x1.c154f8ddc6c00p-73},  // 1/9!
	{0x1.27e4fb7789f5cp-22, 0x1.cbbc05b4fa99ap-76},   // 1/10!
	{0x1.ae64567f544e4p-26, -0x1.c062e06d1f209p-80},  // 1/11!
	{0x1.1eed8eff8d898p-29, -0x1.2aec959e14c06p-83},  // 1/12!
	{0x1.6124613a86d09p-33, 0x1.f28e0cc748ebep-87},   // 1/13!
	{0x1.93974a8c07c9dp-37, 0x1.05d6f8a2efd1fp-92},   // 1/14!
	{0x1.ae7f3e733b81fp-41, 0x1.1d8656b0ee8cbp-97},   // 1/15!
	{0x1.ae7f3e733b81fp-45, 0x1.1d8656b0ee8cbp-101},  // 1/16!
	{0x1.952c77030ad4ap-49, 0x1.ac981465ddc6cp-103},  // 1/17!
	{0x1.6827863b97d97p-53, 0x1.eec01221a8b0bp-107},  // 1/18!
	{0x1.2f49b46814157p-57, 0x1.2650f61dbdcb4p-112},  // 1/19!
	{0x1.e542ba4020225p-62, 0x1.ea72b4afe3c2fp-120},  // 1/20!
	{0x1.71b8ef6dcf572p-66, -0x1.d043ae40c4647p-120}, // 1/21!
	{0x1.0ce396db7f853p-70, -0x1.aebcdbd20331cp-124}, // 1/22!
	{0x1.761b41316381ap-75, -0x1.3423c7d91404fp-130}, // 1/23!
	{0x1.f2cf01972f578p-80, -0x1.9ada5fcc1ab14p-135}, // 1/24!
	{0x1.3f3ccdd165fa9p-84, -0x1.58ddadf344487p-139}, // 1/25!
	{0x1.88e85fc6a4e5ap-89, -0x1.71c37ebd16540p-143}, // 1/26!
	{0x1.d1ab1c2dccea3p-94, 0x1.054d0c78aea14p-149},  // 1/27!
	{0x1.0a18a2635085dp-98, 0x1.b9e2e28e1aa54p-153},  // 1/28!
	{0x1.259f98b4358adp-103, 0x1.eaf8c39dd9bc5p-157}, // 1/29!
}

// reducePio2 returns k and r = rh+rl with x = k*pi/2 + r, |r| <~ pi/4, for
// finite x. Only k mod 4 is meaningful for huge x.
func reducePio2(x float64) (k int64, rh, rl float64) {
	ax := math.Abs(x)
	if ax <= math.Pi/4 {
		return 0, x, 0
	}
	if ax < 0x1p20 {
		// Cody-Waite: k*pio2Hi and k*pio2Mid are exact as double-doubles
		// for k < 2^20, and x - k*pio2Hi is exact (Sterbenz).
		kf := math.RoundToEven(x * twoOPi)
		p1, e1 := twoProd(kf, pio2Hi)
		p2, e2 := twoProd(kf, pio2Mid)
		rh, rl = x-p1, 0
		rh, rl = ddAdd(rh, rl, -e1, 0)
		rh, rl = ddAdd(rh, rl, -p2, -e2)
		rh, rl = ddAdd(rh, rl, -kf*pio2Lo, 0)
		return int64(kf), rh, rl
	}
	return reduceHuge(x)
}

// reduceHuge reduces |x| >= 2^20 with 2/pi to 1600 bits (Payne and Hanek's
// idea done with math/big: slow, but such arguments are rare).
func reduceHuge(x float64) (k int64, rh, rl float64) {
	const prec = 1700
	t, _, err := big.ParseFloat(twoOverPiBits, 0, prec, big.ToNearestEven)
	if err != nil {
		panic("pymath: bad 2/pi constant: " + err.Error())
	}
	t.Mul(t, new(big.Float).SetPrec(prec).SetFloat64(x))
	// k = nearest integer to t; frac = t - k in [-1/2, 1/2].
	half := new(big.Float).SetPrec(prec).SetFloat64(0.5)
	kInt, _ := new(big.Float).SetPrec(prec).Add(t, half).Int(nil)
	if t.Sign() < 0 {
		// Int truncates toward zero; make it a floor.
		kf := new(big.Float).SetPrec(prec).SetInt(kInt)
		if kf.Cmp(new(big.Float).SetPrec(prec).Add(t, half)) > 0 {
			kInt.Sub(kInt, big.NewInt(1))
		}
	}
	frac := t.Sub(t, new(big.Float).SetPrec(prec).SetInt(kInt))
	fh, _ := frac.Float64()
	fl, _ := frac.Sub(frac, new(big.Float).SetPrec(prec).SetFloat64(fh)).Float64()
	rh, rl = ddMul(fh, fl, pio2Hi, pio2Mid)
	return new(big.Int).And(kInt, big.NewInt(3)).Int64(), rh, rl
}

// sinCosKernel returns sin(r) and cos(r) as double-doubles for |r| <~ pi/4:
// Taylor series with the tail in doubles and the leading terms in
// double-double arithmetic.
func sinCosKernel(rh, rl float64) (sh, sl, ch, cl float64) {
	zh, zl := ddMul(rh, rl, rh, rl) // r^2
	// Terms from r^16 on are below 2^-53 relative: plain doubles suffice.
	ps, pc := 0.0, 0.0
	for n := 14; n >= 8; n-- {
		sign := 1 - 2*float64(n&1)
		ps = ps*zh + sign*invFact[2*n+1][0]
		pc = pc*zh + sign*invFact[2*n][0]
	}
	sh, sl, ch, cl = ps, 0, pc, 0
	for n := 7; n >= 0; n-- {
		sign := 1 - 2*float64(n&1)
		sh, sl = ddMul(sh, sl, zh, zl)
		sh, sl = ddAdd(sh, sl, sign*invFact[2*n+1][0], sign*invFact[2*n+1][1])
		ch, cl = ddMul(ch, cl, zh, zl)
		ch, cl = ddAdd(ch, cl, sign*invFact[2*n][0], sign*invFact[2*n][1])
	}
	sh, sl = ddMul(sh, sl, rh, rl)
	return sh, sl, ch, cl
}

// sinCosDD returns sin(x) and cos(x) as double-doubles for finite x.
func sinCosDD(x float64) (sh, sl, ch, cl float64) {
	k, rh, rl := reducePio2(x)
	s1, s2, c1, c2 := sinCosKernel(rh, rl)
	switch k & 3 {
	case 0:
		return s1, s2, c1, c2
	case 1:
		return c1, c2, -s1, -s2
	case 2:
		return -s1, -s2, -c1, -c2
	default:
		return -c1, -c2, s1, s2
	}
}

// cSin is C's sin: x itself for |x| < 2^-26, as glibc returns.
func cSin(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return math.NaN()
	}
	if math.Abs(x) < 0x1p-26 {
		return x
	}
	sh, _, _, _ := sinCosDD(x)
	return sh
}

// cCos is C's cos.
func cCos(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return math.NaN()
	}
	if math.Abs(x) < 0x1p-27 {
		return 1
	}
	_, _, ch, _ := sinCosDD(x)
	return ch
}

// cTan is C's tan.
func cTan(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return math.NaN()
	}
	if math.Abs(x) < 0x1p-27 {
		return x
	}
	sh, sl, ch, cl := sinCosDD(x)
	th, _ := ddDiv(sh, sl, ch, cl)
	return th
}
