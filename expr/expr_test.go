package expr

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"abaco"
)

// TestLimits checks every limit with small configured values: the input
// just within passes, the input just over fails with code limit.
func TestLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		limits Limits
		src    string
		want   string // a repr, or "limit"
	}{
		{"length within", Limits{MaxLength: 9}, "(2+3)*7-1", "34"},
		{"length over", Limits{MaxLength: 8}, "(2+3)*7-1", "limit"},
		{"length counts bytes", Limits{MaxLength: 4}, "1 + 1", "limit"},
		{"default length 4096", Limits{}, "1" + strings.Repeat(" ", 4095), "1"},
		{"default length over", Limits{}, "1" + strings.Repeat(" ", 4096), "limit"},
		{"parens within", Limits{MaxDepth: 3}, "(((1)))", "1"},
		{"parens over", Limits{MaxDepth: 3}, "((((1))))", "limit"},
		{"unary over", Limits{MaxDepth: 3}, "----1", "limit"},
		{"not over", Limits{MaxDepth: 3}, "not not not not 1", "limit"},
		{"power chain over", Limits{MaxDepth: 3}, "1**1**1**1**1", "limit"},
		{"power chain within", Limits{MaxDepth: 3}, "2**1**1**1", "2"},
		{"calls over", Limits{MaxDepth: 3}, "abs(abs(abs(abs(1))))", "limit"},
		{"conditional chain over", Limits{MaxDepth: 2}, "1 if 0 else 2 if 0 else 3 if 0 else 4", "limit"},
		{"left chains are not nesting", Limits{MaxDepth: 1}, "1+2+3+4+5+6+7+8+9", "45"},
		{"4 KiB of ( fails fast", Limits{}, strings.Repeat("(", 4096), "limit"},
		{"4 KiB of - fails fast", Limits{}, strings.Repeat("-", 4095) + "1", "limit"},
		{"1 MiB of ( fails fast", Limits{MaxLength: 1 << 20}, strings.Repeat("(", 1<<20), "limit"},
		{"depth 100 passes", Limits{}, strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100), "1"},
		{"depth 101 fails", Limits{}, strings.Repeat("(", 101) + "1" + strings.Repeat(")", 101), "limit"},
		{"nodes within", Limits{MaxNodes: 5}, "1+2+3", "6"},
		{"nodes over", Limits{MaxNodes: 5}, "1+2+3+4", "limit"},
		{"nodes count arguments", Limits{MaxNodes: 4}, "max(1, 2)", "limit"},
		{"default nodes", Limits{}, "1" + strings.Repeat("+1", 1000), "limit"},
		{"bits within", Limits{MaxIntBits: 100}, "2**99", "633825300114114700748351602688"},
		{"bits pow over", Limits{MaxIntBits: 100}, "2**100", "limit"},
		{"bits mul over", Limits{MaxIntBits: 100}, "2**60*2**60", "limit"},
		{"bits shift over", Limits{MaxIntBits: 100}, "1<<100", "limit"},
		{"bits add over", Limits{MaxIntBits: 100}, "2**99+2**99", "limit"},
		{"bits factorial over", Limits{MaxIntBits: 100}, "factorial(30)", "limit"},
		{"bits factorial within", Limits{MaxIntBits: 100}, "factorial(25)", "15511210043330985984000000"},
		{"bits literal over", Limits{MaxIntBits: 100}, "0x1" + strings.Repeat("0", 25), "limit"},
		{"bits small ints", Limits{MaxIntBits: 10}, "2**10", "limit"},
		{"bits invert", Limits{MaxIntBits: 10}, "~1023", "limit"},
		{"bits negate", Limits{MaxIntBits: 63}, "-(-2**62*2)", "limit"},
		{"bits small ints within", Limits{MaxIntBits: 10}, "2**9", "512"},
		{"bits int of float", Limits{MaxIntBits: 100}, "int(1e300)", "limit"},
		{"9**9**9", Limits{}, "9**9**9", "limit"},
		{"tower", Limits{}, "(((9**64)**64)**64)**64", "limit"},
		{"huge shift", Limits{}, "2<<10**9", "limit"},
		{"huge exponent", Limits{}, "2**10**100", "limit"},
		{"work within", Limits{MaxWork: 20}, "1+1+1+1+1", "5"},
		{"work over", Limits{MaxWork: 8}, "1+1+1+1+1", "limit"},
		{"work big mul", Limits{MaxWork: 1000}, "(2**6400)*(2**6400)", "limit"},
		{"work modpow", Limits{}, "pow(3, 10**100, 2**65000-1)", "limit"},
		{"short circuit costs nothing", Limits{}, "0 and 9**9**9", "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := New(tc.limits).Evaluate(tc.src)
			got := ""
			if err != nil {
				got = string(abaco.ErrorCode(err))
			} else {
				got = v.Repr()
			}
			if got != tc.want {
				t.Errorf("got %s (%v), want %s", got, err, tc.want)
			}
		})
	}
}

// TestDefaultLimits documents the defaults and that New fills zero fields.
func TestDefaultLimits(t *testing.T) {
	t.Parallel()
	want := Limits{MaxLength: 4096, MaxDepth: 100, MaxNodes: 2000, MaxIntBits: 65536, MaxWork: 10_000_000}
	if got := DefaultLimits(); got != want {
		t.Errorf("DefaultLimits() = %+v, want %+v", got, want)
	}
	if got := New(Limits{}).Limits(); got != want {
		t.Errorf("New(Limits{}).Limits() = %+v, want %+v", got, want)
	}
	if got := New(Limits{MaxDepth: 7}).Limits().MaxDepth; got != 7 {
		t.Errorf("MaxDepth = %d, want 7", got)
	}
}

// TestSyntaxColumns checks that syntax errors point at the right rune.
func TestSyntaxColumns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		column    int
	}{
		{"end", "1 +", 4},
		{"operator", "1 + * 2", 5},
		{"unclosed points at the paren", "(1", 1},
		{"extra paren", "1)", 2},
		{"bad char", "1 $ 2", 3},
		{"after unicode", "é + $", 5},
		{"bad literal", "1 + 01", 5},
		{"keyword", "1 in 2", 3},
		{"empty", "", 1},
	}
	e := New(Limits{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Parse(tc.src)
			var ae *abaco.Error
			if !errors.As(err, &ae) || ae.Code != abaco.CodeSyntax {
				t.Fatalf("got %v, want a syntax error", err)
			}
			if ae.Column != tc.column {
				t.Errorf("column %d, want %d (%s)", ae.Column, tc.column, ae.Message)
			}
		})
	}
}

// TestInvalidCharacterMessages checks that a character no token starts
// with is named as CPython 3.11 names it, and that one that does not print
// is named by its code point: the message must stay one printable line in
// a terminal, a log or redis-cli.
func TestInvalidCharacterMessages(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, want string }{
		{"1 + $", "invalid character '$'"},
		{"1 + €", "invalid character '€' (U+20AC)"},
		{"1 + \x1b[31m", "invalid non-printable character U+001B"},
		{"1 + \u00a0", "invalid non-printable character U+00A0"},
		{"1 + \x7f", "invalid non-printable character U+007F"},
		{"1 + \u200b", "invalid non-printable character U+200B"},
		{"1 + \xff", "invalid UTF-8 byte 0xff"},
	}
	e := New(Limits{})
	for _, tc := range tests {
		_, err := e.Parse(tc.src)
		var ae *abaco.Error
		if !errors.As(err, &ae) || ae.Code != abaco.CodeSyntax || ae.Message != tc.want {
			t.Errorf("Parse(%q) = %v, want a syntax error %q", tc.src, err, tc.want)
		}
	}
}

// TestValue checks Kind, Repr, AppendRepr and IsFinite.
func TestValue(t *testing.T) {
	t.Parallel()
	big2 := new(big.Int).Lsh(big.NewInt(1), 100)
	tests := []struct {
		name   string
		v      Value
		kind   abaco.Kind
		repr   string
		finite bool
	}{
		{"zero value", Value{}, abaco.KindInt, "0", true},
		{"int", Int(-42), abaco.KindInt, "-42", true},
		{"big", BigInt(big2), abaco.KindInt, "1267650600228229401496703205376", true},
		{"big that fits", BigInt(big.NewInt(7)), abaco.KindInt, "7", true},
		{"float", Float(0.1), abaco.KindFloat, "0.1", true},
		{"integral float", Float(3), abaco.KindFloat, "3.0", true},
		{"inf", Float(math.Inf(-1)), abaco.KindFloat, "-inf", false},
		{"nan", Float(math.NaN()), abaco.KindFloat, "nan", false},
		{"true", Bool(true), abaco.KindBool, "True", true},
		{"false", Bool(false), abaco.KindBool, "False", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.Kind(); got != tc.kind {
				t.Errorf("Kind() = %s, want %s", got, tc.kind)
			}
			if got := tc.v.Repr(); got != tc.repr {
				t.Errorf("Repr() = %s, want %s", got, tc.repr)
			}
			if got := string(tc.v.AppendRepr([]byte("x="))); got != "x="+tc.repr {
				t.Errorf("AppendRepr = %s, want x=%s", got, tc.repr)
			}
			if got := tc.v.IsFinite(); got != tc.finite {
				t.Errorf("IsFinite() = %v, want %v", got, tc.finite)
			}
		})
	}
}

// TestAppendReprAllocs checks that ints, floats and bools append without
// allocating, for JSON writers.
func TestAppendReprAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	for _, v := range []Value{Int(123456), Bool(true), Float(0.1 + 0.2), Float(1e16), Float(math.Inf(1))} {
		if n := testing.AllocsPerRun(100, func() { buf = v.AppendRepr(buf[:0]) }); n != 0 {
			t.Errorf("AppendRepr(%s) allocates %v times", v.Repr(), n)
		}
	}
}

// TestEvaluateAllocs checks the one-shot path stays allocation-free for
// a typical expression (the benchmark target is at most 4).
func TestEvaluateAllocs(t *testing.T) {
	e := New(Limits{})
	n := testing.AllocsPerRun(200, func() {
		if _, err := e.Evaluate("(2+3)*7-1"); err != nil {
			t.Fatal(err)
		}
	})
	if n > 4 {
		t.Errorf("Evaluate allocates %v times, want at most 4", n)
	}
}

// TestTreeReuse checks a Tree can be evaluated many times and by several
// goroutines at once, with the same answer; run with -race.
func TestTreeReuse(t *testing.T) {
	t.Parallel()
	e := New(Limits{})
	tree, err := e.Parse("2**100 // 3 + sqrt(2) * 10**30 if 1 < 2 else 0")
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Eval(tree)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got, err := e.Eval(tree); err != nil || got.Repr() != want.Repr() {
					t.Errorf("Eval = %v, %v; want %s", got, err, want.Repr())
				}
				if v, err := e.Evaluate("2**100 + 1"); err != nil || v.Repr() != "1267650600228229401496703205377" {
					t.Errorf("Evaluate = %v, %v", v, err)
				}
			}
		})
	}
	wg.Wait()
}

// TestErrorsAreAbacoErrors checks every failure is an *abaco.Error with
// one of the engine's codes.
func TestErrorsAreAbacoErrors(t *testing.T) {
	t.Parallel()
	e := New(Limits{})
	for src, code := range map[string]abaco.Code{
		"1/0": abaco.CodeDivisionByZero, "2.0**10000": abaco.CodeOverflow, "sqrt(-1)": abaco.CodeDomain,
		"(-8)**0.5": abaco.CodeDomain, "1.5 & 1": abaco.CodeType, "foo": abaco.CodeName,
		"1 +": abaco.CodeSyntax, "9**9**9": abaco.CodeLimit,
	} {
		_, err := e.Evaluate(src)
		var ae *abaco.Error
		if !errors.As(err, &ae) || ae.Code != code {
			t.Errorf("%s: got %v, want code %s", src, err, code)
		}
		if ae != nil && ae.Message == "" {
			t.Errorf("%s: empty message", src)
		}
	}
}

// TestZeroTree checks that a Tree not made by Parse fails cleanly.
func TestZeroTree(t *testing.T) {
	t.Parallel()
	if _, err := New(Limits{}).Eval(&Tree{}); abaco.ErrorCode(err) != abaco.CodeInternal {
		t.Errorf("Eval(&Tree{}) = %v, want an internal error", err)
	}
	if c := (&Tree{}).Canonical(); c != "" {
		t.Errorf("Canonical() = %q, want empty", c)
	}
}

// TestFastFloatLiterals checks the lexer's fast path for short float
// literals against strconv.ParseFloat on many random ones.
func TestFastFloatLiterals(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	e := New(Limits{})
	for range 20000 {
		intDigits, fracDigits := r.IntN(10), r.IntN(10)
		lit := strconv.FormatInt(r.Int64N(int64(math.Pow10(intDigits))+1), 10) + "."
		if fracDigits > 0 {
			lit += fmt.Sprintf("%0*d", fracDigits, r.Int64N(int64(math.Pow10(fracDigits))))
		}
		want, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.Evaluate(lit)
		if err != nil || v.k != kFloat || math.Float64bits(v.f) != math.Float64bits(want) {
			t.Fatalf("%s = %v (%v), want %v", lit, v, err, want)
		}
	}
}
