package pymath

import (
	"fmt"
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

func TestModFloorDivPython(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	var xs, ys []float64
	var input []string
	for i := 0; i < 20000; i++ {
		x, y := randFloat(r), randFloat(r)
		if i%3 == 0 {
			// Similar magnitudes make the sign and correction paths matter.
			y = x * (r.Float64()*4 - 2)
		}
		xs, ys = append(xs, x), append(ys, y)
		input = append(input, hex(x)+" "+hex(y))
	}
	for _, op := range []struct {
		py string
		f  func(x, y float64) (float64, error)
	}{{"x % y", Mod}, {"x // y", FloorDiv}} {
		out := runPython(t, fmt.Sprintf(pyBinaryScript, op.py), input)
		bad := 0
		for i := range xs {
			got, err := op.f(xs[i], ys[i])
			if msg := checkOutcome(t, got, err, out[i]); msg != "" {
				if bad++; bad <= 20 {
					t.Errorf("%s with x=%s y=%s: %s", op.py, hex(xs[i]), hex(ys[i]), msg)
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d mismatches", op.py, bad, len(xs))
		}
	}
}
