package expr

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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
