package pymath

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"abaco"
)

// runPython runs script in one python3 process, feeding it input one line
// each, and returns its output lines. The live differential tests must not
// silently pass on a machine without python3, so a missing python3 fails.
func runPython(t *testing.T, script string, input []string) []string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is required for the differential test: %v", err)
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(strings.Join(input, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != len(input) {
		t.Fatalf("python3 returned %d lines for %d inputs", len(lines), len(input))
	}
	return lines
}

// pyBinaryScript evaluates "x.hex y.hex" lines with a Python expression in x
// and y, printing the result's float.hex or "error <ExceptionName>".
const pyBinaryScript = `
import sys, math
f = lambda x, y: (%s)
for line in sys.stdin:
    a, b = line.split()
    try:
        r = f(float.fromhex(a), float.fromhex(b))
        # Python 3 gives a complex for (-8.0)**(1/3); we report a domain error.
        print("error ValueError" if isinstance(r, complex) else float(r).hex())
    except Exception as e:
        print("error", type(e).__name__)
`

// pyErrorCodes maps Python exception names to the codes we return.
var pyErrorCodes = map[string]abaco.Code{
	"ZeroDivisionError": abaco.CodeDivisionByZero,
	"OverflowError":     abaco.CodeOverflow,
	"ValueError":        abaco.CodeDomain,
	"TypeError":         abaco.CodeType,
}

// hex formats x as Python's float.hex does not, but in a form both Go and
// Python parse exactly.
func hex(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	return strconv.FormatFloat(x, 'x', -1, 64)
}

// parseHex parses a float.hex string; it fails the test on bad input.
func parseHex(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad float %q: %v", s, err)
	}
	return x
}

// sameFloat reports whether a and b have the same bits (any NaN equals any NaN).
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// checkOutcome compares our (got, err) with Python's output line want, which
// is a float.hex or "error Name". It returns a description of a mismatch, or "".
func checkOutcome(t *testing.T, got float64, err error, want string) string {
	t.Helper()
	if name, ok := strings.CutPrefix(want, "error "); ok {
		var e *abaco.Error
		if !errors.As(err, &e) || e.Code != pyErrorCodes[name] {
			return "got " + hex(got) + " err=" + errString(err) + ", want " + want
		}
		return ""
	}
	if err != nil {
		return "got error " + err.Error() + ", want " + want
	}
	if w := parseHex(t, want); !sameFloat(got, w) {
		return "got " + hex(got) + ", want " + hex(w)
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// randFloat draws floats from a mix of distributions that exercise the
// interesting regions: raw bit patterns, small integers, halves, decimals of
// every magnitude, and the special values.
func randFloat(r *rand.Rand) float64 {
	switch r.IntN(10) {
	case 0:
		return math.Float64frombits(r.Uint64())
	case 1:
		return float64(r.IntN(41) - 20)
	case 2:
		return float64(r.IntN(81)-40) / 4
	case 3:
		specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
			math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1, 1, -1}
		return specials[r.IntN(len(specials))]
	case 4:
		return (r.Float64()*2 - 1) * math.Pow(10, float64(r.IntN(40)-20))
	default:
		return (r.Float64()*2 - 1) * math.Pow(10, float64(r.IntN(600)-300))
	}
}
