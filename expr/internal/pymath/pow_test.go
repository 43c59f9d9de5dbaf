package pymath

import (
	"flag"
	"math"
	"math/rand/v2"
	"testing"

	"abaco"
)

var powN = flag.Int("pow.n", 20000, "number of random cases in TestPowPython")

func TestPow(t *testing.T) {
	t.Parallel()
	inf, nan, negZero := math.Inf(1), math.NaN(), math.Copysign(0, -1)
	tests := []struct {
		name string
		x, y float64
		want float64
		code abaco.Code
	}{
		{"zero exponent", nan, 0, 1, ""},
		{"zero to zero", 0, 0, 1, ""},
		{"nan base", nan, 2, nan, ""},
		{"one to nan", 1, nan, 1, ""},
		{"nan exponent", 2, nan, nan, ""},
		{"small to inf", 0.5, inf, 0, ""},
		{"large to inf", -2, inf, inf, ""},
		{"minus one to inf", -1, inf, 1, ""},
		{"large to minus inf", 2, -inf, 0, ""},
		{"small to minus inf", 0.5, -inf, inf, ""},
		{"inf to odd", -inf, 3, -inf, ""},
		{"inf to even", -inf, 2, inf, ""},
		{"inf to negative odd", -inf, -3, negZero, ""},
		{"inf to negative", inf, -0.5, 0, ""},
		{"zero to odd", negZero, 3, negZero, ""},
		{"zero to even", negZero, 2, 0, ""},
		{"zero to negative", 0, -1, 0, abaco.CodeDivisionByZero},
		{"negative zero to negative", negZero, -2.5, 0, abaco.CodeDivisionByZero},
		{"complex result", -8, 1.0 / 3, 0, abaco.CodeDomain},
		{"negative base odd", -2, 3, -8, ""},
		{"negative base even", -2, 4, 16, ""},
		{"minus one to huge odd", -1, 0x1p52 + 1, -1, ""},
		{"minus one to huge even", -1, 1e300, 1, ""},
		{"half power", 2, 0.5, math.Sqrt2, ""},
		{"negative exponent", 2, -1, 0.5, ""},
		{"overflow", 10, 400, 0, abaco.CodeOverflow},
		{"negative overflow", -10, 401, 0, abaco.CodeOverflow},
		{"underflow to zero", 10, -400, 0, ""},
		{"subnormal result", 2, -1074, math.SmallestNonzeroFloat64, ""},
		{"subnormal base", 5e-324, 0.5, 0x1p-537, ""},
		{"math.Pow is one ulp off here", 1.1, 10, 2.5937424601000023, ""},
		{"complex overflow", -10, 400.5, 0, abaco.CodeOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Pow(tt.x, tt.y)
			if code := abaco.ErrorCode(err); code != tt.code {
				t.Fatalf("Pow(%v, %v) error %v, want code %q", tt.x, tt.y, err, tt.code)
			}
			if tt.code == "" && !sameFloat(got, tt.want) {
				t.Errorf("Pow(%v, %v) = %v (%s), want %v (%s)", tt.x, tt.y, got, hex(got), tt.want, hex(tt.want))
			}
		})
	}
}

// powPair draws an (x, y) pair from the regions where pow is hard to get
// bit-exact: results across the whole range, near-integer exponents, huge
// and tiny values, subnormal results, negative bases, bases near 1.
func powPair(r *rand.Rand) (x, y float64) {
	posFloat := func() float64 {
		for {
			if x := math.Float64frombits(r.Uint64N(0x7ff0000000000000-1) + 1); x != 1 {
				return x
			}
		}
	}
	switch r.IntN(9) {
	case 0: // Any values.
		return randFloat(r), randFloat(r)
	case 1: // Results spread over the whole range, subnormals included.
		x = posFloat()
		return x, (r.Float64()*2200 - 1100) / math.Log2(x)
	case 2: // Subnormal and near-overflow results.
		x = posFloat()
		t := -1075 + r.Float64()*60
		if r.IntN(2) == 0 {
			t = 1000 + r.Float64()*25
		}
		return x, t / math.Log2(x)
	case 3: // Integer and near-integer exponents, negative bases.
		x = (r.Float64()*2 - 1) * math.Pow(2, float64(r.IntN(40)-20))
		y = float64(r.IntN(201) - 100)
		if r.IntN(2) == 0 {
			y = math.Nextafter(y, math.Inf(r.IntN(2)*2-1))
		}
		return x, y
	case 4: // Bases near 1, large exponents.
		x = 1 + float64(r.IntN(2001)-1000)*0x1p-52
		return x, (r.Float64()*2 - 1) * math.Pow(2, float64(r.IntN(70)))
	case 5: // Small decimals, as users type them.
		return float64(r.IntN(2000)-1000) / 10, float64(r.IntN(200)-100) / 10
	case 6: // Subnormal bases.
		x = math.Float64frombits(r.Uint64N(1 << 52))
		return x, (r.Float64()*2 - 1) * math.Pow(2, float64(r.IntN(12)-10))
	case 7: // Huge and tiny exponents.
		y = math.Float64frombits(r.Uint64N(0x7ff0000000000000)) * float64(r.IntN(2)*2-1)
		return posFloat(), y
	default: // Square roots, cube roots and reciprocals.
		return posFloat(), []float64{0.5, -0.5, 1.0 / 3, 1.5, -1, 2, 3, 0.25}[r.IntN(8)]
	}
}

func powCase(r *rand.Rand) string {
	x, y := powPair(r)
	return caseLine("pow", x, y)
}

// TestPowPython compares Pow with python3's x ** y bit for bit. A large run:
// go test ./expr/internal/pymath -run TestPowPython -pow.n=1000000
func TestPowPython(t *testing.T) {
	t.Parallel()
	testPython(t, 5, *powN, powCase)
}

func BenchmarkPow(b *testing.B) {
	// Pairs with a float result: errors allocate and are not the point.
	r := rand.New(rand.NewPCG(9, 10))
	var pairs [][2]float64
	for len(pairs) < 1024 {
		if x, y := powPair(r); func() bool { _, err := Pow(x, y); return err == nil }() {
			pairs = append(pairs, [2]float64{x, y})
		}
	}
	b.ReportAllocs()
	b.Run("pymath", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			p := pairs[i%len(pairs)]
			_, _ = Pow(p[0], p[1])
		}
	})
	b.Run("math.Pow", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			p := pairs[i%len(pairs)]
			_ = math.Pow(p[0], p[1])
		}
	})
}
