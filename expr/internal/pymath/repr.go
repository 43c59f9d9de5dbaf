package pymath

import (
	"math"
	"strconv"
)

// Repr formats x exactly as Python's repr(float) does: the shortest digits
// that round-trip, fixed notation when 1e-4 <= |x| < 1e16 (with ".0" for
// integral values), exponent notation with a sign and at least two exponent
// digits otherwise, and "inf", "-inf", "nan".
func Repr(x float64) string {
	var buf [32]byte
	return string(AppendRepr(buf[:0], x))
}

// AppendRepr appends Repr(x) to dst and returns the extended slice. It does
// not allocate when dst has room for 24 more bytes.
func AppendRepr(dst []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		return append(dst, "nan"...)
	case math.IsInf(x, 1):
		return append(dst, "inf"...)
	case math.IsInf(x, -1):
		return append(dst, "-inf"...)
	}
	start := len(dst)
	// Go's shortest 'e' format is already Python's exponent notation
	// ("1e+16", "1.5e-05"); only the fixed range needs rewriting.
	dst = strconv.AppendFloat(dst, x, 'e', -1, 64)
	s := dst[start:]
	epos := len(s) - 1
	for s[epos] != 'e' {
		epos--
	}
	exp := 0
	for _, c := range s[epos+2:] {
		exp = exp*10 + int(c-'0')
	}
	if s[epos+1] == '-' {
		exp = -exp
	}
	// Python switches to exponent notation when the decimal point position
	// (exp+1) is <= -4 or > 16.
	if exp < -4 || exp >= 16 {
		return dst
	}
	// Collect the significant digits (at most 17) on the stack.
	var digits [17]byte
	nd := 0
	neg := s[0] == '-'
	for _, c := range s[:epos] {
		if c >= '0' && c <= '9' {
			digits[nd] = c
			nd++
		}
	}
	dst = dst[:start]
	if neg {
		dst = append(dst, '-')
	}
	if exp < 0 {
		dst = append(dst, '0', '.')
		for i := -1; i > exp; i-- {
			dst = append(dst, '0')
		}
		return append(dst, digits[:nd]...)
	}
	intDigits := exp + 1
	if nd <= intDigits {
		dst = append(dst, digits[:nd]...)
		for i := nd; i < intDigits; i++ {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	}
	dst = append(dst, digits[:intDigits]...)
	dst = append(dst, '.')
	return append(dst, digits[intDigits:nd]...)
}
