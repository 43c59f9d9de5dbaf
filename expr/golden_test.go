package expr

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"abaco"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.txt golden files with the engine's answers")

// goldenSep separates an input from its expected answer in golden files.
const goldenSep = " => "

// TestGolden checks every testdata/*.txt file: each line "input => want",
// where want is the repr of the result, "error: code" (with "@column" for
// syntax errors), or for canonical.txt the canonical form. Lines starting
// with # and blank lines are kept as they are. -update rewrites the files.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	e := New(Limits{})
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			canonical := filepath.Base(file) == "canonical.txt"
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			for i, line := range lines {
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				src, want := line, ""
				k := strings.LastIndex(line, goldenSep)
				ok := k >= 0
				if ok {
					src, want = line[:k], line[k+len(goldenSep):]
				}
				got := goldenAnswer(e, src, canonical)
				if *update {
					lines[i] = src + goldenSep + got
					continue
				}
				if !ok {
					t.Errorf("%s:%d: no %q in %q", file, i+1, goldenSep, line)
				} else if got != want {
					t.Errorf("%s:%d: %s\n\tgot  %s\n\twant %s", file, i+1, src, got, want)
				}
			}
			if *update {
				if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// goldenAnswer is the engine's answer for src in the golden format.
func goldenAnswer(e *Engine, src string, canonical bool) string {
	t, err := e.Parse(src)
	if err == nil {
		if canonical {
			c := t.Canonical()
			if again, err := e.Parse(c); err != nil || again.Canonical() != c {
				return "NOT STABLE: " + c
			}
			return c
		}
		var v Value
		if v, err = e.Eval(t); err == nil {
			return v.Repr()
		}
	}
	var ae *abaco.Error
	if errors.As(err, &ae) && ae.Code == abaco.CodeSyntax {
		return "error: syntax @" + strconv.Itoa(ae.Column)
	}
	return "error: " + string(abaco.ErrorCode(err))
}

// notPython lists golden inputs whose answers differ from CPython's on
// purpose, with the reason. Every other golden answer must be Python's.
var notPython = map[string]string{
	"10**400 == float('inf')": "no strings",
	"1j":                      "no complex numbers",
	"math.pi.real":            "no attributes",
	"(1).real":                "no attributes",
	"True is True":            "no identity comparisons",
	"round(123, -10**20)":     "Python computes 10**(10**20) and never finishes",
	" ":                       "Python's parser reports an IndentationError",
	"  2 + 2  ":               "leading whitespace is allowed",
	"\t3\t":                   "leading whitespace is allowed",
	" 2)":                     "Python's parser reports an IndentationError",
	"()":                      "no tuples",
	"(1, 2)":                  "no tuples",
	"lambda: 1":               "no lambdas",
	"1 in 2":                  "no containers",
	"1 is 2":                  "no identity comparisons",
	"1 @ 2":                   "no matrix multiplication",
	`"1"`:                     "no strings",
	"'1'":                     "no strings",
	"f(x=1)":                  "keyword arguments are refused before names are looked up",
}

// TestGoldenMatchesPython runs every golden input (but the canonical
// forms) through python3 and requires the golden answer to be Python's,
// as error kinds for errors. Inputs abaco refuses for a limit are left
// out (Python has no limits), and so are the notPython ones.
func TestGoldenMatchesPython(t *testing.T) {
	t.Parallel()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is required: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	var srcs, wants, where []string
	for _, file := range files {
		if filepath.Base(file) == "canonical.txt" {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			k := strings.LastIndex(line, goldenSep)
			if k < 0 || strings.HasPrefix(line, "#") {
				continue
			}
			src, want := line[:k], line[k+len(goldenSep):]
			if _, skip := notPython[src]; skip || want == "error: limit" {
				continue
			}
			srcs, where = append(srcs, src), append(where, fmt.Sprintf("%s:%d", file, i+1))
			wants = append(wants, strings.Split(want, " @")[0])
		}
	}
	file := filepath.Join(t.TempDir(), "golden.txt")
	if err := os.WriteFile(file, []byte(strings.Join(srcs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, filepath.Join("testdata", "pyeval.py"), file).Output()
	if err != nil {
		t.Fatalf("python3 testdata/pyeval.py: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")[1:]
	if len(got) != len(srcs) {
		t.Fatalf("python printed %d answers for %d inputs", len(got), len(srcs))
	}
	for i, py := range got {
		if code, ok := strings.CutPrefix(py, "error: "); ok {
			py = "error: " + string(pythonCodes[code])
		}
		if py != wants[i] {
			t.Errorf("%s: %s\n\tgolden: %s\n\tpython: %s", where[i], srcs[i], wants[i], got[i])
		}
	}
	t.Logf("%d golden answers agree with python3", len(srcs))
}
