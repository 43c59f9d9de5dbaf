package pymath

import (
	"math"

	"abaco"
)

// Mod returns Python's x % y for floats (result has the sign of y), as
// CPython's float_rem computes it. Errors: division_by_zero.
func Mod(x, y float64) (float64, error) {
	if y == 0 {
		return 0, abaco.Errorf(abaco.CodeDivisionByZero, "float modulo by zero")
	}
	// math.Mod is exact, like C's fmod, with the same special cases.
	mod := math.Mod(x, y)
	if mod != 0 {
		if (y < 0) != (mod < 0) {
			mod += y
		}
	} else {
		mod = math.Copysign(0, y)
	}
	return mod, nil
}

// FloorDiv returns Python's x // y for floats, as CPython's _float_div_mod
// computes it (not floor(x/y), which can be off by one). Errors:
// division_by_zero.
func FloorDiv(x, y float64) (float64, error) {
	if y == 0 {
		return 0, abaco.Errorf(abaco.CodeDivisionByZero, "float floor division by zero")
	}
	mod := math.Mod(x, y)
	div := (x - mod) / y
	if mod != 0 && (y < 0) != (mod < 0) {
		div -= 1.0
	}
	if div == 0 {
		return math.Copysign(0, x/y), nil
	}
	floordiv := math.Floor(div)
	if div-floordiv > 0.5 {
		floordiv += 1.0
	}
	return floordiv, nil
}
