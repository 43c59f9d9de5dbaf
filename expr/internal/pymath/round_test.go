package pymath

import (
	"math"
	"math/rand/v2"
	"testing"

	"abaco"
)

func TestRound(t *testing.T) {
	t.Parallel()
	negZero := math.Copysign(0, -1)
	tests := []struct {
		name    string
		x       float64
		ndigits int
		want    float64
		code    abaco.Code
	}{
		{"binary value below the tie", 2.675, 2, 2.67, ""},
		{"exact tie to even down", 0.125, 2, 0.12, ""},
		{"exact tie to even up", 0.375, 2, 0.38, ""},
		{"zero digits tie", 2.5, 0, 2, ""},
		{"zero digits tie odd", 3.5, 0, 4, ""},
		{"negative rounds to negative zero", -0.4, 0, negZero, ""},
		{"negative digits", 1234.5, -2, 1200, ""},
		{"negative digits tie to even", 1250, -2, 1200, ""},
		{"negative digits tie up", 1350, -2, 1400, ""},
		{"negative digits negative x", -1250, -2, -1200, ""},
		{"negative digits to zero", -12, -2, negZero, ""},
		{"huge ndigits returns x", 0.1, 400, 0.1, ""},
		{"very negative ndigits", -5e300, -400, negZero, ""},
		{"inf", math.Inf(1), 2, math.Inf(1), ""},
		{"nan", math.NaN(), -2, math.NaN(), ""},
		{"subnormal below half a unit", 5e-324, 323, 0, ""},
		{"subnormal kept", 5e-324, 324, 5e-324, ""},
		{"many digits", 0.1, 17, 0.1, ""},
		{"overflow", math.MaxFloat64, -308, 0, abaco.CodeOverflow},
		{"largest that rounds", 1.4e308, -308, 1e308, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Round(tt.x, tt.ndigits)
			if code := abaco.ErrorCode(err); code != tt.code {
				t.Fatalf("Round(%v, %d) error %v, want code %q", tt.x, tt.ndigits, err, tt.code)
			}
			if tt.code == "" && !sameFloat(got, tt.want) {
				t.Errorf("Round(%v, %d) = %v, want %v", tt.x, tt.ndigits, got, tt.want)
			}
		})
	}
}

// roundCase draws a round(x, ndigits) case: exact binary ties, decimal
// values that are not ties in binary, and ndigits across the whole range.
func roundCase(r *rand.Rand) string {
	x := randFloat(r)
	nd := r.IntN(30) - 15
	switch r.IntN(4) {
	case 0: // Exact binary ties such as 0.125 and 1250.
		x = float64(r.IntN(20001)-10000) / float64(int(1)<<r.IntN(8))
	case 1: // Decimal-looking values that are not ties in binary.
		x = float64(r.IntN(200001)-100000) / math.Pow(10, float64(r.IntN(6)))
	case 2:
		nd = r.IntN(660) - 330
	}
	return caseLine("round", x, float64(nd))
}

func TestRoundPython(t *testing.T) {
	t.Parallel()
	testPython(t, 13, 20000, roundCase)
}
