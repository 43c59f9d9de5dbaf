package expr

import "testing"

// BenchmarkEvaluate measures one-shot parse and evaluation; the
// comparisons with other libraries live in the bench module.
func BenchmarkEvaluate(b *testing.B) {
	for _, src := range []string{
		"(2+3)*7-1",
		"sqrt(2.5*4.0) + max(1.5, 2.25) / 3 - 0.1",
		"1 < 2 <= 3 < 4",
		"2**100 // 3**20",
	} {
		b.Run(src, func(b *testing.B) {
			e := New(Limits{})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNearBudget evaluates expressions that spend most of the default
// work budget, the most expensive inputs the default limits admit; each
// should stay near 10 ms of CPU.
func BenchmarkNearBudget(b *testing.B) {
	for _, src := range []string{
		"gcd(3**41000, 2**65000-1)",
		"factorial(5000)*0 + factorial(5000)*0 + factorial(5000)*0 + factorial(5000)*0 + factorial(5000)*0 + factorial(5000)*0 + factorial(5000)*0 + factorial(5000)*0",
		"pow(3, 7, 2**40000-1)",
		"(3**41000//(3**20000+7)) + (3**41000//(3**20000+9)) + (3**41000//(3**20000+11)) + (3**41000//(3**20000+13)) + (3**41000//(3**20000+17))",
	} {
		b.Run(src[:min(len(src), 30)], func(b *testing.B) {
			e := New(Limits{})
			tree, err := e.Parse(src)
			if err != nil {
				b.Fatal(err)
			}
			ev := evaluator{t: tree, maxBits: e.lim.MaxIntBits, maxWork: e.lim.MaxWork}
			if _, err := ev.eval(tree.root); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := e.Eval(tree); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(ev.work+int64(len(tree.nodes))), "units")
		})
	}
}
