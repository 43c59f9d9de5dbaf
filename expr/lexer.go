package expr

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"abaco"
)

// tokKind is the kind of a token.
type tokKind uint8

const (
	tEOF   tokKind = iota
	tInt           // an integer literal; small holds it when ok is set
	tFloat         // a float literal
	tName          // an identifier
	tOp            // an operator; op says which
	tLParen
	tRParen
	tComma
	tDot
	tAssign // "=", only valid nowhere (keyword arguments are refused)
	tNot
	tAnd
	tOr
	tIf
	tElse
	tTrue
	tFalse
	tKeyword // a Python keyword abaco does not support (in, is, lambda, ...)
)

// op is an operator, both in tokens and in tree nodes.
type op uint8

const (
	opNone op = iota
	opAdd
	opSub
	opMul
	opDiv
	opFloorDiv
	opMod
	opPow
	opLsh
	opRsh
	opBitAnd
	opBitOr
	opBitXor
	opInvert // unary ~
	opNeg    // unary -
	opPos    // unary +
	opNot
	opAnd
	opOr
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
)

// opText is how each operator is written.
var opText = [...]string{
	opNone: "?", opAdd: "+", opSub: "-", opMul: "*", opDiv: "/", opFloorDiv: "//",
	opMod: "%", opPow: "**", opLsh: "<<", opRsh: ">>", opBitAnd: "&", opBitOr: "|",
	opBitXor: "^", opInvert: "~", opNeg: "-", opPos: "+", opNot: "not", opAnd: "and",
	opOr: "or", opEq: "==", opNe: "!=", opLt: "<", opLe: "<=", opGt: ">", opGe: ">=",
}

// simpleTokens maps the characters that always form a token on their own
// (unless followed by "=", an augmented assignment) to that token. It is a
// read-only table.
var simpleTokens = [utf8.RuneSelf]struct {
	kind tokKind
	op   op
}{
	'(': {kind: tLParen}, ')': {kind: tRParen}, ',': {kind: tComma},
	'+': {tOp, opAdd}, '-': {tOp, opSub}, '%': {tOp, opMod}, '&': {tOp, opBitAnd},
	'|': {tOp, opBitOr}, '^': {tOp, opBitXor}, '~': {tOp, opInvert},
}

// lexer produces one token at a time on demand, so parsing needs no token
// slice. The current token is described by its fields.
type lexer struct {
	src string
	pos int // offset of the next unread byte

	kind  tokKind
	op    op
	start int   // offset of the current token
	end   int   // offset just past it
	small int64 // value of a tInt when fits is set
	fits  bool  // the tInt is decimal, has no underscores and fits in small
	base  int   // base of a tInt (10, 16, 8 or 2)
}

// syntaxError returns a syntax error at byte offset off of the input,
// reported as a 1-based rune column.
func (l *lexer) syntaxError(off int, msg string) error {
	if off > len(l.src) {
		off = len(l.src)
	}
	return &abaco.Error{Code: abaco.CodeSyntax, Message: msg, Column: utf8.RuneCountInString(l.src[:off]) + 1}
}

// next scans the next token.
func (l *lexer) next() error {
	s := l.src
	i := l.pos
	for i < len(s) {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
			i++
			continue
		}
		if c == '#' { // a comment runs to the end of the line
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		}
		break
	}
	l.start = i
	if i >= len(s) {
		l.kind, l.end, l.pos = tEOF, i, i
		return nil
	}
	c := s[i]
	if c >= '1' && c <= '9' {
		// The fast path: a few plain decimal digits, the common case.
		j, v := i, int64(0)
		for j < len(s) && j-i < 18 && isDec(s[j]) {
			v = v*10 + int64(s[j]-'0')
			j++
		}
		if j == len(s) || !isNameByte(s[j]) && s[j] != '.' {
			l.kind, l.base, l.fits, l.small, l.end, l.pos = tInt, 10, true, v, j, j
			return nil
		}
	}
	switch {
	case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
		return l.number()
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf:
		return l.name()
	}
	if c < utf8.RuneSelf {
		if k := simpleTokens[c]; k.kind != tEOF {
			if k.kind == tOp && i+1 < len(s) && s[i+1] == '=' { // "+=", "-=", ...
				return l.syntaxError(i, "assignment is not an expression")
			}
			l.kind, l.op, l.end, l.pos = k.kind, k.op, i+1, i+1
			return nil
		}
	}
	l.kind = tOp
	n := 1
	two := byte(0)
	if i+1 < len(s) {
		two = s[i+1]
	}
	switch c {
	case '.':
		l.kind = tDot
	case '*':
		l.op = opMul
		if two == '*' {
			l.op, n = opPow, 2
		}
	case '/':
		l.op = opDiv
		if two == '/' {
			l.op, n = opFloorDiv, 2
		}
	case '<':
		l.op = opLt
		switch two {
		case '=':
			l.op, n = opLe, 2
		case '<':
			l.op, n = opLsh, 2
		}
	case '>':
		l.op = opGt
		switch two {
		case '=':
			l.op, n = opGe, 2
		case '>':
			l.op, n = opRsh, 2
		}
	case '=':
		l.kind = tAssign
		if two == '=' {
			l.kind, l.op, n = tOp, opEq, 2
		}
	case '!':
		if two != '=' {
			return l.syntaxError(i, "invalid character '!'")
		}
		l.op, n = opNe, 2
	default:
		return l.syntaxError(i, "invalid character "+quoteRune(s[i:]))
	}
	if n == 2 && i+2 < len(s) && s[i+2] == '=' && l.op != opEq && l.op != opNe &&
		l.op != opLe && l.op != opGe {
		// "+=", "**=", "<<=": augmented assignment is a statement.
		return l.syntaxError(i, "assignment is not an expression")
	}
	if n == 1 && two == '=' && l.kind == tOp && l.op != opLt && l.op != opGt {
		return l.syntaxError(i, "assignment is not an expression")
	}
	l.end = i + n
	l.pos = l.end
	return nil
}

// quoteRune quotes the first character of s for an error message.
func quoteRune(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	return "'" + string(r) + "'"
}

// name scans an identifier or keyword.
func (l *lexer) name() error {
	s := l.src
	i := l.start
	for i < len(s) {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsLetter(r) || i > l.start && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) {
				i += size
				continue
			}
			if i == l.start {
				return l.syntaxError(i, "invalid character "+quoteRune(s[i:]))
			}
		}
		break
	}
	l.end, l.pos = i, i
	l.kind = tName
	switch s[l.start:i] {
	case "not":
		l.kind = tNot
	case "and":
		l.kind = tAnd
	case "or":
		l.kind = tOr
	case "if":
		l.kind = tIf
	case "else":
		l.kind = tElse
	case "True":
		l.kind = tTrue
	case "False":
		l.kind = tFalse
	case "in", "is", "lambda", "await", "yield", "as", "assert", "async", "break",
		"class", "continue", "def", "del", "elif", "except", "finally", "for",
		"from", "global", "import", "nonlocal", "pass", "raise", "return", "try",
		"while", "with":
		l.kind = tKeyword
	}
	return nil
}

func isDec(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool { return isDec(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isOct(c byte) bool { return c >= '0' && c <= '7' }
func isBin(c byte) bool { return c == '0' || c == '1' }

// isNameByte reports whether c may continue an identifier (ASCII only;
// any non-ASCII byte counts, so "1é" is refused like "1e").
func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= utf8.RuneSelf
}

// keywordAt reports whether a keyword that may follow a number without a
// space starts at s[i]: Python 3.11 accepts "1if x else 2" and "1or 2"
// (with a warning), ending the number there.
func keywordAt(s string, i int) bool {
	for _, k := range [...]string{"and", "else", "for", "if", "in", "is", "not", "or"} {
		if strings.HasPrefix(s[i:], k) {
			return true
		}
	}
	return false
}

// digits scans a Python digitpart at i: digits with single underscores
// between them. It returns the end offset, or -1 when an underscore is not
// followed by a digit. It needs at least one digit unless lead is set (for
// "0x_1f", where the underscore may come first).
func digits(s string, i int, ok func(byte) bool, lead bool) int {
	start := i
	for i < len(s) {
		switch {
		case ok(s[i]):
			i++
		case s[i] == '_' && (i > start || lead):
			if i+1 >= len(s) || !ok(s[i+1]) {
				return -1
			}
			i++
		default:
			if i == start {
				return -1
			}
			return i
		}
	}
	if i == start {
		return -1
	}
	return i
}

// number scans a numeric literal as Python's tokenizer does.
func (l *lexer) number() error {
	s := l.src
	i := l.start
	if s[i] == '0' && i+1 < len(s) {
		base, ok, what := 0, isDec, ""
		switch s[i+1] | 0x20 {
		case 'x':
			base, ok, what = 16, isHex, "hexadecimal"
		case 'o':
			base, ok, what = 8, isOct, "octal"
		case 'b':
			base, ok, what = 2, isBin, "binary"
		}
		if base != 0 {
			end := digits(s, i+2, ok, true)
			if end < 0 || end < len(s) && isNameByte(s[end]) && !keywordAt(s, end) {
				return l.syntaxError(i, "invalid "+what+" literal")
			}
			l.kind, l.base, l.fits, l.end, l.pos = tInt, base, false, end, end
			return nil
		}
	}
	end := i
	isFloat := false
	if s[i] != '.' {
		end = digits(s, i, isDec, false)
		if end < 0 {
			return l.syntaxError(i, "invalid decimal literal")
		}
	}
	intEnd := end
	if end < len(s) && s[end] == '.' {
		isFloat = true
		end++
		if end < len(s) && isDec(s[end]) {
			if end = digits(s, end, isDec, false); end < 0 {
				return l.syntaxError(i, "invalid decimal literal")
			}
		}
	}
	if end < len(s) && s[end]|0x20 == 'e' && !keywordAt(s, end) {
		j := end + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j >= len(s) || !isDec(s[j]) {
			return l.syntaxError(i, "invalid decimal literal")
		}
		if end = digits(s, j, isDec, false); end < 0 {
			return l.syntaxError(i, "invalid decimal literal")
		}
		isFloat = true
	}
	if end < len(s) && s[end]|0x20 == 'j' {
		return l.syntaxError(i, "complex numbers are not supported")
	}
	if end < len(s) && isNameByte(s[end]) && !keywordAt(s, end) {
		return l.syntaxError(i, "invalid decimal literal")
	}
	l.end, l.pos = end, end
	if isFloat {
		l.kind = tFloat
		return nil
	}
	l.kind, l.base = tInt, 10
	if s[i] == '0' {
		for j := i; j < intEnd; j++ {
			if s[j] != '0' && s[j] != '_' {
				return l.syntaxError(i, "leading zeros in decimal integer literals are not permitted")
			}
		}
	}
	// The fast path: up to 18 plain digits always fit in an int64.
	l.fits = intEnd-i <= 18
	var v int64
	for j := i; j < intEnd && l.fits; j++ {
		if s[j] == '_' {
			l.fits = false
			break
		}
		v = v*10 + int64(s[j]-'0')
	}
	l.small = v
	return nil
}
