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
