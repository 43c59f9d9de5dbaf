package pymath

import "math"

// Double-double arithmetic: a value hi+lo with |lo| <= ulp(hi)/2 carries
// about 106 bits, enough to round the math functions' results correctly in
// all but astronomically rare cases, which keeps them within 1 ulp of glibc's.

// twoSum returns s, e with s = fl(a+b) and s+e == a+b exactly.
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

// fastTwoSum is twoSum for |a| >= |b| (or a == 0).
func fastTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return s, e
}

// twoProd returns p, e with p = fl(a*b) and p+e == a*b exactly.
func twoProd(a, b float64) (p, e float64) {
	p = a * b
	return p, math.FMA(a, b, -p)
}

// ddAdd returns (ah+al) + (bh+bl) as a normalized double-double.
func ddAdd(ah, al, bh, bl float64) (float64, float64) {
	s, e := twoSum(ah, bh)
	t, f := twoSum(al, bl)
	e += t
	s, e = fastTwoSum(s, e)
	e += f
	return fastTwoSum(s, e)
}

// ddMul returns (ah+al) * (bh+bl) as a normalized double-double.
func ddMul(ah, al, bh, bl float64) (float64, float64) {
	p, e := twoProd(ah, bh)
	e += ah*bl + al*bh
	return fastTwoSum(p, e)
}

// ddMulD returns (ah+al) * b.
func ddMulD(ah, al, b float64) (float64, float64) {
	p, e := twoProd(ah, b)
	e += al * b
	return fastTwoSum(p, e)
}

// ddDiv returns (ah+al) / (bh+bl).
func ddDiv(ah, al, bh, bl float64) (float64, float64) {
	q1 := ah / bh
	// r = a - q1*b
	ph, pl := ddMulD(bh, bl, q1)
	rh, rl := ddAdd(ah, al, -ph, -pl)
	q2 := rh / bh
	ph, pl = ddMulD(bh, bl, q2)
	rh, _ = ddAdd(rh, rl, -ph, -pl)
	q3 := rh / bh
	q1, q2 = fastTwoSum(q1, q2)
	return ddAdd(q1, q2, q3, 0)
}
