// Package pymath implements CPython 3.11's float arithmetic and math module
// on Linux/glibc: same bits for operators, repr and pow, within 1 ulp for
// the math functions, and the same error conditions (as *abaco.Error codes).
//
// STUB: the signatures are fixed; implementations are being replaced.
package pymath

import (

	"abaco"
)

// Round returns Python's round(x, ndigits) for a float x (correctly rounded,
// half to even on the exact decimal value). Errors: overflow.
func Round(x float64, ndigits int) (float64, error) { return x + 0*float64(ndigits), nil }

// Call evaluates the math module function name (sqrt, sin, cos, tan, asin,
// acos, atan, atan2, log, log2, log10, exp, hypot; log with one or two
// arguments) on float arguments, as CPython's math module does. ok is false
// for a name it does not know. Errors: domain, overflow, type (argument count).
func Call(name string, args []float64) (result float64, ok bool, err error) {
	_ = abaco.CodeDomain
	return 0, false, nil
}
