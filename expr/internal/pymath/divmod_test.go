package pymath

import (
	"math"
	"math/rand/v2"
	"testing"

	"abaco"
)

func TestModFloorDiv(t *testing.T) {
	t.Parallel()
	negZero := math.Copysign(0, -1)
	inf := math.Inf(1)
	tests := []struct {
		name          string
		x, y          float64
		mod, floordiv float64
		code          abaco.Code
	}{
		{"positive", 7, 2, 1, 3, ""},
		{"negative dividend", -7, 2, 1, -4, ""},
		{"negative divisor", 7, -2, -1, -4, ""},
		{"both negative", -7, -2, -1, 3, ""},
		{"fractions", 5.5, 2, 1.5, 2, ""},
		{"zero result takes divisor sign", 4, -2, negZero, -2, ""},
		{"zero dividend negative divisor", 0, -3, negZero, negZero, ""},
		{"negative zero dividend", negZero, 3, 0, negZero, ""},
		{"tiny negative", -1e-300, 1, 1, -1, ""},
		{"not floor of quotient", 1, 0.1, 0.09999999999999995, 9, ""},
		{"infinite divisor", 1, inf, 1, 0, ""},
		{"infinite divisor other sign", 1, -inf, -inf, -1, ""},
		{"infinite dividend", inf, 2, math.NaN(), math.NaN(), ""},
		{"nan", math.NaN(), 2, math.NaN(), math.NaN(), ""},
		{"division by zero", 1, 0, 0, 0, abaco.CodeDivisionByZero},
		{"division by negative zero", 1, negZero, 0, 0, abaco.CodeDivisionByZero},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod, err := Mod(tt.x, tt.y)
			if got := abaco.ErrorCode(err); got != tt.code {
				t.Fatalf("Mod(%v, %v) error code %q, want %q", tt.x, tt.y, got, tt.code)
			}
			div, err := FloorDiv(tt.x, tt.y)
			if got := abaco.ErrorCode(err); got != tt.code {
				t.Fatalf("FloorDiv(%v, %v) error code %q, want %q", tt.x, tt.y, got, tt.code)
			}
			if tt.code != "" {
				return
			}
			if !sameFloat(mod, tt.mod) {
				t.Errorf("Mod(%v, %v) = %v, want %v", tt.x, tt.y, mod, tt.mod)
			}
			if !sameFloat(div, tt.floordiv) {
				t.Errorf("FloorDiv(%v, %v) = %v, want %v", tt.x, tt.y, div, tt.floordiv)
			}
		})
	}
}

// divmodCase draws a % or // case; a third have operands of similar
// magnitude, where the sign fixes and the floor correction matter.
func divmodCase(r *rand.Rand) string {
	x, y := randFloat(r), randFloat(r)
	if r.IntN(3) == 0 {
		y = x * (r.Float64()*4 - 2)
	}
	return caseLine([]string{"mod", "floordiv"}[r.IntN(2)], x, y)
}

func TestModFloorDivPython(t *testing.T) {
	t.Parallel()
	testPython(t, 3, 20000, divmodCase)
}
