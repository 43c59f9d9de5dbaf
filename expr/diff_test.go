package expr

import (
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"abaco"
)

var (
	diffSeed = flag.Uint64("diffseed", 20261123, "seed of the differential test's expression generator")
	diffN    = flag.Int("diffn", 4000, "number of expressions in the differential test")
)

// pythonCodes maps the exception classes Python raises to abaco codes.
var pythonCodes = map[string]abaco.Code{
	"ZeroDivisionError": abaco.CodeDivisionByZero,
	"OverflowError":     abaco.CodeOverflow,
	"ValueError":        abaco.CodeDomain,
	"complex":           abaco.CodeDomain,
	"TypeError":         abaco.CodeType,
	"NameError":         abaco.CodeName,
	"AttributeError":    abaco.CodeName,
	"SyntaxError":       abaco.CodeSyntax,
}

// TestDifferential evaluates thousands of random expressions with python3
// (one subprocess) and with the engine, and requires the same answers:
// identical reprs and error kinds, with 1 ulp of slack for the math
// functions, which only ever appear at the top level. Expressions that
// reach an abaco limit are left out (and counted).
func TestDifferential(t *testing.T) {
	t.Parallel()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is required for the differential test: %v", err)
	}
	t.Logf("seed %d, %d expressions (-diffseed, -diffn to explore)", *diffSeed, *diffN)
	g := exprGen{r: rand.New(rand.NewPCG(*diffSeed, 1))}
	srcs := make([]string, *diffN)
	for i := range srcs {
		if i%5 == 4 {
			srcs[i] = g.mathCall(3)
		} else {
			srcs[i] = g.expr(4)
		}
	}
	// The engine answers first: Python has no limits, so expressions that
	// reach one are replaced by "0" before Python sees them.
	e := New(Limits{})
	got := make([]string, len(srcs))
	toPython := make([]string, len(srcs))
	for i, src := range srcs {
		got[i] = engineLine(e, src)
		toPython[i] = src
		if got[i] == "error: limit" {
			toPython[i] = "0"
		}
	}
	file := filepath.Join(t.TempDir(), "exprs.txt")
	if err := os.WriteFile(file, []byte(strings.Join(toPython, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, filepath.Join("testdata", "pyeval.py"), file).Output()
	if err != nil {
		t.Fatalf("python3 testdata/pyeval.py: %v", err)
	}
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	t.Logf("%s (the engine follows 3.11)", want[0])
	want = want[1:]
	if len(want) != len(srcs) {
		t.Fatalf("python printed %d lines for %d expressions", len(want), len(srcs))
	}
	limited, failures := 0, 0
	for i, src := range srcs {
		if got[i] == "error: limit" {
			limited++
			continue
		}
		w := want[i]
		if code, ok := strings.CutPrefix(w, "error: "); ok {
			if c, known := pythonCodes[code]; known {
				w = "error: " + string(c)
			}
		}
		if got[i] == w || i%5 == 4 && withinULP(got[i], w, 1) {
			continue
		}
		failures++
		if failures <= 40 {
			t.Errorf("%s\n\tpython: %s\n\tabaco:  %s", src, want[i], got[i])
		}
	}
	if failures > 40 {
		t.Errorf("... %d mismatches in all", failures)
	}
	if limited > len(srcs)/20 {
		t.Errorf("%d of %d expressions hit a limit; the generator should stay within them", limited, len(srcs))
	}
	t.Logf("%d compared, %d left out for limits, %d mismatches", len(srcs)-limited, limited, failures)
}

// engineLine is the engine's answer in the Python script's format.
func engineLine(e *Engine, src string) string {
	v, err := e.Evaluate(src)
	if err != nil {
		return "error: " + string(abaco.ErrorCode(err))
	}
	return v.Repr()
}

// withinULP reports whether two float reprs are at most n ulps apart.
func withinULP(a, b string, n uint64) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil || math.IsNaN(x) || math.IsNaN(y) || math.Signbit(x) != math.Signbit(y) {
		return false
	}
	bx, by := math.Float64bits(x), math.Float64bits(y)
	if bx > by {
		bx, by = by, bx
	}
	return by-bx <= n
}
