package expr

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// exprGen writes random Python expressions for the differential test and
// the fuzz seed corpus. Operands of ** and << are kept small so that most
// expressions stay within the default limits; composite operands are only
// sometimes parenthesized, so precedence gets exercised (and an input that
// Python refuses must be refused by abaco too).
type exprGen struct {
	r *rand.Rand
}

// mathFuncs are the functions compared with 1 ulp of slack.
var mathFuncs = []string{"sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2",
	"log", "log2", "log10", "exp", "hypot"}

// expr returns an expression of at most depth levels, without the math
// functions that may differ by an ulp.
func (g *exprGen) expr(depth int) string {
	if depth <= 0 || g.r.IntN(10) < 2 {
		return g.leaf()
	}
	switch k := g.r.IntN(100); {
	case k < 40:
		ops := []string{"+", "-", "*", "/", "//", "%", "&", "|", "^", "+", "-", "*", "/"}
		return g.operand(depth-1) + g.sp() + ops[g.r.IntN(len(ops))] + g.sp() + g.operand(depth-1)
	case k < 48:
		return g.operand(depth-1) + g.sp() + "**" + g.sp() + g.smallExp()
	case k < 52:
		sh := []string{"<<", ">>"}[g.r.IntN(2)]
		return g.operand(depth-1) + g.sp() + sh + g.sp() + strconv.Itoa(g.r.IntN(80)-5)
	case k < 60:
		return []string{"-", "+", "~", "not "}[g.r.IntN(4)] + g.operand(depth-1)
	case k < 70:
		cmp := []string{"<", "<=", ">", ">=", "==", "!="}
		s := g.operand(depth - 1)
		for n := 1 + g.r.IntN(3); n > 0; n-- {
			s += g.sp() + cmp[g.r.IntN(len(cmp))] + g.sp() + g.operand(depth-1)
		}
		return s
	case k < 76:
		return g.operand(depth-1) + " " + []string{"and", "or"}[g.r.IntN(2)] + " " + g.operand(depth-1)
	case k < 80:
		return g.operand(depth-1) + " if " + g.operand(depth-1) + " else " + g.operand(depth-1)
	case k < 84:
		return "(" + g.expr(depth-1) + ")"
	}
	return g.builtin(depth - 1)
}

// operand is a subexpression, parenthesized most of the time.
func (g *exprGen) operand(depth int) string {
	s := g.expr(depth)
	if g.r.IntN(10) < 7 {
		return "(" + s + ")"
	}
	return s
}

func (g *exprGen) sp() string { return []string{"", " "}[g.r.IntN(2)] }

// smallExp is an exponent that keeps powers within the limits.
func (g *exprGen) smallExp() string {
	switch g.r.IntN(6) {
	case 0:
		return "-" + strconv.Itoa(g.r.IntN(4))
	case 1:
		if g.r.IntN(2) == 0 {
			return "(" + g.randomFloat() + ")"
		}
		return []string{"0.5", "1.5", "-0.5", "2.0", "0.1", "3"}[g.r.IntN(6)]
	case 2:
		return "(" + strconv.Itoa(g.r.IntN(5)) + "**" + strconv.Itoa(g.r.IntN(3)) + ")"
	}
	return strconv.Itoa(g.r.IntN(9))
}

// builtin is a call of a builtin or an exact math function.
func (g *exprGen) builtin(depth int) string {
	args := func(n int) string {
		a := make([]string, n)
		for i := range a {
			a[i] = g.expr(depth)
		}
		return strings.Join(a, ", ")
	}
	prefix := ""
	if g.r.IntN(3) == 0 {
		prefix = "math."
	}
	switch g.r.IntN(14) {
	case 0:
		return "abs(" + args(1) + ")"
	case 1:
		return "round(" + args(1) + ")"
	case 2:
		return "round(" + args(1) + ", " + strconv.Itoa(g.r.IntN(41)-20) + ")"
	case 3:
		return "min(" + args(2+g.r.IntN(2)) + ")"
	case 4:
		return "max(" + args(2+g.r.IntN(2)) + ")"
	case 5:
		return "pow(" + args(1) + ", " + g.smallExp() + ")"
	case 6:
		return "pow(" + g.intLeaf() + ", " + strconv.Itoa(g.r.IntN(200)-50) + ", " + g.intLeaf() + ")"
	case 7:
		return "int(" + args(1) + ")"
	case 8:
		return "float(" + args(1) + ")"
	case 9:
		return prefix + []string{"floor", "ceil"}[g.r.IntN(2)] + "(" + args(1) + ")"
	case 10:
		return prefix + "factorial(" + []string{"0", "1", "5", "20", "21", "30", "-1", "2.0", "True"}[g.r.IntN(9)] + ")"
	case 11:
		return prefix + "gcd(" + args(g.r.IntN(4)) + ")"
	case 12:
		return prefix + []string{"pi", "e", "tau", "inf"}[g.r.IntN(4)]
	}
	return "abs(" + args(1) + ")"
}

// leaf is a literal: ints of all sizes and spellings, floats, bools.
func (g *exprGen) leaf() string {
	switch g.r.IntN(10) {
	case 0, 1, 2, 3:
		return g.intLeaf()
	case 4:
		return g.randomFloat()
	case 5, 6:
		return []string{"0.1", "0.2", "1.5", ".5", "2.5E-3", "1e3", "3.0", "0.0", "1e-05", "1e16",
			"1e300", "123456.789", "2.0", "7.25", "1e-320", "9007199254740993.0", "1_000.5"}[g.r.IntN(17)]
	case 7:
		return []string{"True", "False"}[g.r.IntN(2)]
	}
	return []string{"2**53", "2**64", "(2**53+1)", "10**20", "(-2**63)", "2**1023", "2**1024",
		"123456789012345678901234567890", "0xffff_ffff_ffff_ffff_ff"}[g.r.IntN(9)]
}

// randomFloat is a float literal of any magnitude, as repr writes it or
// in exponent form.
func (g *exprGen) randomFloat() string {
	f := g.r.Float64() * math.Pow(10, float64(g.r.IntN(80)-40))
	if g.r.IntN(8) == 0 {
		f = math.Float64frombits(g.r.Uint64() &^ (1 << 63)) // any finite bit pattern
		if math.IsInf(f, 0) || math.IsNaN(f) {
			f = 1.25
		}
	}
	if g.r.IntN(2) == 0 {
		return strconv.FormatFloat(f, 'e', g.r.IntN(20), 64)
	}
	return Float(f).Repr()
}

func (g *exprGen) intLeaf() string {
	switch g.r.IntN(8) {
	case 0:
		return []string{"0x1f", "0o17", "0b101", "1_000", "0X_FF", "0"}[g.r.IntN(6)]
	case 1:
		return strconv.Itoa(g.r.IntN(2000000) - 1000000)
	case 2:
		if g.r.IntN(4) == 0 { // a big literal of up to 60 digits
			b := make([]byte, 1+g.r.IntN(60))
			for i := range b {
				b[i] = byte('0' + g.r.IntN(10))
			}
			b[0] = byte('1' + g.r.IntN(9))
			return string(b)
		}
	}
	return strconv.Itoa(g.r.IntN(21) - 5)
}

// mathCall is a call of a math function that may differ from CPython by
// an ulp, at the top level so the difference cannot grow.
func (g *exprGen) mathCall(depth int) string {
	fn := mathFuncs[g.r.IntN(len(mathFuncs))]
	prefix := ""
	if g.r.IntN(2) == 0 {
		prefix = "math."
	}
	n := 1
	switch fn {
	case "atan2":
		n = 2
	case "log":
		n = 1 + g.r.IntN(2)
	case "hypot":
		n = g.r.IntN(4)
	}
	a := make([]string, n)
	for i := range a {
		a[i] = g.expr(depth)
	}
	return prefix + fn + "(" + strings.Join(a, ", ") + ")"
}
