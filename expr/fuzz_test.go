package expr

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"abaco"
)

// FuzzEval parses and evaluates arbitrary input: it must never panic or
// hang (the limits bound every input), the canonical form must parse to
// itself, and evaluating the canonical form must give the same answer.
// The seed corpus is every golden-file input plus generated expressions,
// so the normal test run covers it.
func FuzzEval(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if k := strings.LastIndex(line, goldenSep); k >= 0 && !strings.HasPrefix(line, "#") {
				f.Add(line[:k])
			}
		}
	}
	g := exprGen{r: rand.New(rand.NewPCG(1, 2))}
	for range 200 {
		f.Add(g.expr(4))
		f.Add(g.mathCall(2))
	}
	e := New(Limits{})
	// Canonical forms may be longer than their input (0x10 is 16, .5 is
	// 0.5, 1e999 is inf), so they are re-parsed without a length limit.
	relaxed := New(Limits{MaxLength: 1 << 30})
	f.Fuzz(func(t *testing.T, src string) {
		tree, err := e.Parse(src)
		if err != nil {
			checkCode(t, src, err)
			return
		}
		c := tree.Canonical()
		again, err := relaxed.Parse(c)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", c, src, err)
		}
		if c2 := again.Canonical(); c2 != c {
			t.Fatalf("canonical form of %q is %q, but that parses to %q", src, c, c2)
		}
		v1, err1 := e.Eval(tree)
		v2, err2 := e.Eval(again)
		if a, b := answer(v1, err1), answer(v2, err2); a != b {
			t.Fatalf("%q gives %s but its canonical form %q gives %s", src, a, c, b)
		}
		if err1 != nil {
			checkCode(t, src, err1)
		}
	})
}

// answer is a result or an error code, for comparing two evaluations.
func answer(v Value, err error) string {
	if err != nil {
		return "error: " + string(abaco.ErrorCode(err))
	}
	return v.Repr()
}

// checkCode fails unless err carries one of the engine's codes.
func checkCode(t *testing.T, src string, err error) {
	switch abaco.ErrorCode(err) {
	case abaco.CodeSyntax, abaco.CodeDivisionByZero, abaco.CodeOverflow, abaco.CodeDomain,
		abaco.CodeType, abaco.CodeName, abaco.CodeLimit:
	default:
		t.Fatalf("%q: error %v has no engine code", src, err)
	}
}
