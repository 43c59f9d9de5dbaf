// Package expr compares abaco's expression engine with
// github.com/expr-lang/expr and github.com/Knetic/govaluate on the same
// computations: one-shot parse+evaluate (what a request without a cache
// hit costs), and for the libraries that keep a compiled form, evaluation
// of a precompiled program. Each library gets the computation in its own
// spelling (expr-lang and govaluate have no chained comparisons, and
// govaluate no sqrt or max unless given as functions).
//
// Run from bench/: go test -run XXX -bench . -benchmem ./expr
package expr

import (
	"math"
	"strconv"
	"testing"

	"github.com/Knetic/govaluate"
	exprlang "github.com/expr-lang/expr"

	abacoexpr "abaco/expr"
)

// cases are the benchmarked computations, spelled for each library.
var cases = []struct {
	name                 string
	abaco, lang, govalue string
	want                 float64
}{
	{"int", "(2+3)*7-1", "(2+3)*7-1", "(2+3)*7-1", 34},
	{"float_call", "sqrt(2.5*4.0) + max(1.5, 2.25) / 3 - 0.1",
		"sqrt(2.5*4.0) + max(1.5, 2.25) / 3 - 0.1",
		"sqrt(2.5*4.0) + max(1.5, 2.25) / 3 - 0.1", math.Sqrt(10) + 0.75 - 0.1},
	{"compare_chain", "1 < 2 <= 3 < 4", "1 < 2 && 2 <= 3 && 3 < 4", "1 < 2 && 2 <= 3 && 3 < 4", 1},
}

var langOpts = []exprlang.Option{
	exprlang.Function("sqrt", func(p ...any) (any, error) { return math.Sqrt(toFloat(p[0])), nil }, new(func(float64) float64)),
}

var govaluateFuncs = map[string]govaluate.ExpressionFunction{
	"sqrt": func(a ...any) (any, error) { return math.Sqrt(toFloat(a[0])), nil },
	"max":  func(a ...any) (any, error) { return math.Max(toFloat(a[0]), toFloat(a[1])), nil },
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

// sink keeps results alive so the compiler cannot drop the work.
var sink any

// valueSink keeps abaco results alive without boxing them.
var valueSink abacoexpr.Value

// TestSameAnswers makes sure every library computes the expected value,
// so the benchmarks compare equal work.
func TestSameAnswers(t *testing.T) {
	e := abacoexpr.New(abacoexpr.Limits{})
	for _, c := range cases {
		v, err := e.Evaluate(c.abaco)
		if err != nil {
			t.Fatalf("abaco %s: %v", c.abaco, err)
		}
		f := 1.0
		if v.Repr() != "True" {
			if f, err = strconv.ParseFloat(v.Repr(), 64); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]any{"abaco": f}
		p, err := exprlang.Compile(c.lang, langOpts...)
		if err != nil {
			t.Fatalf("expr-lang %s: %v", c.lang, err)
		}
		if got["expr-lang"], err = exprlang.Run(p, nil); err != nil {
			t.Fatalf("expr-lang %s: %v", c.lang, err)
		}
		g, err := govaluate.NewEvaluableExpressionWithFunctions(c.govalue, govaluateFuncs)
		if err != nil {
			t.Fatalf("govaluate %s: %v", c.govalue, err)
		}
		if got["govaluate"], err = g.Evaluate(nil); err != nil {
			t.Fatalf("govaluate %s: %v", c.govalue, err)
		}
		for lib, v := range got {
			if f := toFloat(v); math.Abs(f-c.want) > 1e-12 {
				t.Errorf("%s %s: got %v, want %v", lib, c.name, v, c.want)
			}
		}
	}
}

func BenchmarkOneShot(b *testing.B) {
	for _, c := range cases {
		b.Run(c.name+"/abaco", func(b *testing.B) {
			e := abacoexpr.New(abacoexpr.Limits{})
			b.ReportAllocs()
			for b.Loop() {
				v, err := e.Evaluate(c.abaco)
				if err != nil {
					b.Fatal(err)
				}
				valueSink = v
			}
		})
		b.Run(c.name+"/expr-lang", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := exprlang.Compile(c.lang, langOpts...)
				if err != nil {
					b.Fatal(err)
				}
				if sink, err = exprlang.Run(p, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/govaluate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g, err := govaluate.NewEvaluableExpressionWithFunctions(c.govalue, govaluateFuncs)
				if err != nil {
					b.Fatal(err)
				}
				if sink, err = g.Evaluate(nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPrecompiled(b *testing.B) {
	for _, c := range cases {
		b.Run(c.name+"/abaco", func(b *testing.B) {
			e := abacoexpr.New(abacoexpr.Limits{})
			t, err := e.Parse(c.abaco)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				v, err := e.Eval(t)
				if err != nil {
					b.Fatal(err)
				}
				valueSink = v
			}
		})
		b.Run(c.name+"/expr-lang", func(b *testing.B) {
			p, err := exprlang.Compile(c.lang, langOpts...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if sink, err = exprlang.Run(p, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/govaluate", func(b *testing.B) {
			g, err := govaluate.NewEvaluableExpressionWithFunctions(c.govalue, govaluateFuncs)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if sink, err = g.Evaluate(nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fib is a fixed CPU-bound workload.
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

// BenchmarkMachineReference times a fixed pure-CPU workload (fib(20),
// about 25 µs on an idle modern core) in the same run, so that readers can
// tell how busy the shared machine was while the numbers above were taken.
func BenchmarkMachineReference(b *testing.B) {
	for b.Loop() {
		sink = fib(20)
	}
}
