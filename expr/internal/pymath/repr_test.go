package pymath

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRepr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		x    float64
		want string
	}{
		{"zero", 0, "0.0"},
		{"negative zero", math.Copysign(0, -1), "-0.0"},
		{"integral", 3, "3.0"},
		{"negative integral", -100, "-100.0"},
		{"shortest digits", 0.30000000000000004, "0.30000000000000004"},
		{"largest fixed", 9999999999999998, "9999999999999998.0"},
		{"1e15", 1e15, "1000000000000000.0"},
		{"1e16 switches to exponent", 1e16, "1e+16"},
		{"exponent with digits", 1.2345678901234568e+17, "1.2345678901234568e+17"},
		{"1e-4 stays fixed", 1e-4, "0.0001"},
		{"small fixed", 0.0001234, "0.0001234"},
		{"1e-5 switches to exponent", 1e-5, "1e-05"},
		{"negative small exponent", -1.5e-05, "-1.5e-05"},
		{"three digit exponent", 1e300, "1e+300"},
		{"smallest subnormal", math.SmallestNonzeroFloat64, "5e-324"},
		{"max", math.MaxFloat64, "1.7976931348623157e+308"},
		{"fraction", 2.5, "2.5"},
		{"inf", math.Inf(1), "inf"},
		{"negative inf", math.Inf(-1), "-inf"},
		{"nan", math.NaN(), "nan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Repr(tt.x); got != tt.want {
				t.Errorf("Repr(%v) = %q, want %q", tt.x, got, tt.want)
			}
			prefix := []byte("x=")
			if got := string(AppendRepr(prefix, tt.x)); got != "x="+tt.want {
				t.Errorf("AppendRepr(%q, %v) = %q, want %q", prefix, tt.x, got, "x="+tt.want)
			}
		})
	}
}

// reprCase draws a float for repr, a quarter of them short decimals near
// the switches between fixed and exponent notation.
func reprCase(r *rand.Rand) string {
	x := randFloat(r)
	if r.IntN(4) == 0 {
		x = float64(r.IntN(2000)-1000) * math.Pow(10, float64(r.IntN(26)-8))
	}
	return caseLine("repr", x)
}

func TestReprPython(t *testing.T) {
	t.Parallel()
	testPython(t, 1, 20000, reprCase)
}

func TestAppendReprAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendRepr(buf[:0], 1234.5678e-3)
		buf = AppendRepr(buf[:0], 1e300)
		buf = AppendRepr(buf[:0], 1e15)
	})
	if allocs != 0 {
		t.Errorf("AppendRepr allocates %v times per run, want 0", allocs)
	}
}

func BenchmarkAppendRepr(b *testing.B) {
	xs := []float64{0.30000000000000004, 2.5, 1e+16, 1.5e-05, 1234567.0, 3.141592653589793}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = AppendRepr(buf[:0], xs[i%len(xs)])
	}
}
