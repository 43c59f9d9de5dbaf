package pymath

import (
	"flag"
	"math"
	"math/rand/v2"
	"testing"

	"abaco"
)

func TestCall(t *testing.T) {
	t.Parallel()
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name string
		fn   string
		args []float64
		want float64
		code abaco.Code
	}{
		{"sqrt", "sqrt", []float64{2}, math.Sqrt2, ""},
		{"sqrt of negative", "sqrt", []float64{-1}, 0, abaco.CodeDomain},
		{"sqrt of inf", "sqrt", []float64{inf}, inf, ""},
		{"sqrt of nan", "sqrt", []float64{nan}, nan, ""},
		{"sin of inf", "sin", []float64{inf}, 0, abaco.CodeDomain},
		{"cos", "cos", []float64{0}, 1, ""},
		{"tan", "tan", []float64{0.5}, 0.5463024898437905, ""},
		{"asin out of domain", "asin", []float64{1.5}, 0, abaco.CodeDomain},
		{"acos", "acos", []float64{-1}, math.Pi, ""},
		{"atan of inf", "atan", []float64{inf}, math.Pi / 2, ""},
		{"exp", "exp", []float64{1}, math.E, ""},
		{"exp overflow", "exp", []float64{1000}, 0, abaco.CodeOverflow},
		{"exp underflow", "exp", []float64{-1000}, 0, ""},
		{"exp of inf", "exp", []float64{inf}, inf, ""},
		{"log", "log", []float64{math.E}, 1, ""},
		{"log of zero", "log", []float64{0}, 0, abaco.CodeDomain},
		{"log of negative", "log", []float64{-1}, 0, abaco.CodeDomain},
		{"log of minus inf", "log", []float64{-inf}, 0, abaco.CodeDomain},
		{"log of inf", "log", []float64{inf}, inf, ""},
		{"log base", "log", []float64{8, 2}, 3, ""},
		{"log base 1", "log", []float64{8, 1}, 0, abaco.CodeDivisionByZero},
		{"log base 0", "log", []float64{8, 0}, 0, abaco.CodeDomain},
		{"log base 10 of 1000", "log", []float64{1000, 10}, 2.9999999999999996, ""},
		{"log2", "log2", []float64{1024}, 10, ""},
		{"log2 of zero", "log2", []float64{0}, 0, abaco.CodeDomain},
		{"log10", "log10", []float64{1000}, 3, ""},
		{"log10 of negative", "log10", []float64{-5}, 0, abaco.CodeDomain},
		{"atan2", "atan2", []float64{1, 1}, math.Pi / 4, ""},
		{"atan2 of infs", "atan2", []float64{inf, -inf}, 0.75 * math.Pi, ""},
		{"atan2 of zeros", "atan2", []float64{0, math.Copysign(0, -1)}, math.Pi, ""},
		{"atan2 of nan", "atan2", []float64{nan, 1}, nan, ""},
		{"atan2 subnormal", "atan2", []float64{5e-324, 1}, 5e-324, ""},
		{"atan2 tiny ratio", "atan2", []float64{-1e-300, 1e300}, math.Copysign(0, -1), ""},
		{"atan2 tiny ratio negative x", "atan2", []float64{1e-300, -1e300}, math.Pi, ""},
		{"atan2 huge ratio", "atan2", []float64{-1e300, 1e-300}, -math.Pi / 2, ""},
		{"hypot", "hypot", []float64{3, 4}, 5, ""},
		{"hypot of nothing", "hypot", nil, 0, ""},
		{"hypot of one", "hypot", []float64{-2}, 2, ""},
		{"hypot of three", "hypot", []float64{1, 2, 2}, 3, ""},
		{"hypot inf beats nan", "hypot", []float64{nan, -inf}, inf, ""},
		{"hypot of nan", "hypot", []float64{nan, 1}, nan, ""},
		{"hypot of huge", "hypot", []float64{1e308, 1e308}, 1.4142135623730952e308, ""},
		{"hypot of tiny", "hypot", []float64{3e-320, 4e-320}, 5e-320, ""},
		{"too few arguments", "sqrt", nil, 0, abaco.CodeType},
		{"too many arguments", "sin", []float64{1, 2}, 0, abaco.CodeType},
		{"atan2 needs two", "atan2", []float64{1}, 0, abaco.CodeType},
		{"log needs one", "log", nil, 0, abaco.CodeType},
		{"log takes at most two", "log", []float64{1, 2, 3}, 0, abaco.CodeType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := Call(tt.fn, tt.args)
			if !ok {
				t.Fatalf("Call(%q) not found", tt.fn)
			}
			if code := abaco.ErrorCode(err); code != tt.code {
				t.Fatalf("Call(%q, %v) error %v, want code %q", tt.fn, tt.args, err, tt.code)
			}
			if tt.code == "" && !sameFloat(got, tt.want) {
				t.Errorf("Call(%q, %v) = %v, want %v", tt.fn, tt.args, got, tt.want)
			}
		})
	}
	if _, ok, _ := Call("floor", []float64{1}); ok {
		t.Error(`Call("floor") is ok, want unknown (the engine handles floor)`)
	}
}

// mathArgs draws arguments for function fn, mostly inside its domain.
func mathArgs(r *rand.Rand, fn string) []float64 {
	wide := func() float64 { return randFloat(r) }
	switch fn {
	case "asin", "acos":
		switch r.IntN(4) {
		case 0:
			return []float64{wide()}
		case 1: // Near +-1, where the functions are steepest.
			x := 1 - float64(r.IntN(1<<r.IntN(40)))*0x1p-53
			return []float64{math.Copysign(x, float64(r.IntN(2)*2-1))}
		}
		return []float64{r.Float64()*2 - 1}
	case "exp":
		if r.IntN(4) == 0 {
			return []float64{wide()}
		}
		return []float64{r.Float64()*1500 - 750}
	case "sin", "cos", "tan":
		switch r.IntN(4) {
		case 0:
			return []float64{wide()}
		case 1: // Near multiples of pi/2, where reduction cancels.
			k := float64(r.IntN(1 << r.IntN(30)))
			return []float64{math.Nextafter(k*math.Pi/2, math.Inf(r.IntN(2)*2-1))}
		}
		return []float64{(r.Float64()*2 - 1) * math.Pow(10, float64(r.IntN(8)-2))}
	case "log", "log2", "log10", "sqrt":
		if r.IntN(4) == 0 {
			return []float64{wide()}
		}
		x := math.Abs(wide())
		if r.IntN(4) == 0 {
			x = 1 + (r.Float64()*2-1)*math.Pow(2, float64(-r.IntN(50)))
		}
		if fn == "log" && r.IntN(3) == 0 {
			return []float64{x, math.Abs(wide())}
		}
		return []float64{x}
	case "atan2":
		if r.IntN(2) == 0 {
			// Both signs, ratios from tiny to huge.
			y := (r.Float64()*2 - 1) * math.Pow(2, float64(r.IntN(200)-100))
			return []float64{y, r.Float64()*2 - 1}
		}
		return []float64{wide(), wide()}
	case "hypot":
		args := make([]float64, r.IntN(5))
		scale := math.Pow(2, float64(r.IntN(2000)-1000))
		for i := range args {
			args[i] = (r.Float64()*2 - 1) * scale
			if r.IntN(10) == 0 {
				args[i] = wide()
			}
		}
		return args
	}
	return []float64{wide()}
}

// mathFuncNames lists the functions Call knows.
var mathFuncNames = []string{"sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "log", "log2", "log10", "exp", "hypot"}

func mathCase(r *rand.Rand) string {
	fn := mathFuncNames[r.IntN(len(mathFuncNames))]
	return caseLine(fn, mathArgs(r, fn)...)
}

var mathN = flag.Int("math.n", 40000, "number of random cases in TestCallPython")

// TestCallPython compares Call with python3's math module: the same error
// kind, and the same result (within 1 ulp for oneUlpFuncs). A larger run:
// go test ./expr/internal/pymath -run TestCallPython -math.n=1000000 -v
func TestCallPython(t *testing.T) {
	t.Parallel()
	off := testPython(t, 11, *mathN, mathCase)
	t.Logf("results 1 ulp from CPython's (allowed), per function, of %d cases: %v", *mathN, off)
}

func BenchmarkCall(b *testing.B) {
	for _, bc := range []struct {
		name string
		fn   string
		args []float64
	}{
		{"sqrt", "sqrt", []float64{2}},
		{"exp", "exp", []float64{1.5}},
		{"log", "log", []float64{10}},
		{"log10", "log10", []float64{1234.5}},
		{"sin", "sin", []float64{1.2}},
		{"sin huge", "sin", []float64{1e300}},
		{"tan", "tan", []float64{100}},
		{"asin", "asin", []float64{0.3}},
		{"atan2", "atan2", []float64{1, 2}},
		{"hypot", "hypot", []float64{3, 4}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = Call(bc.fn, bc.args)
			}
		})
	}
}
