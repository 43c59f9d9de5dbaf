package expr

import (
	"fmt"
	"strconv"
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
	start int     // offset of the current token
	end   int     // offset just past it
	small int64   // value of a tInt when fits is set
	fits  bool    // the tInt is decimal, has no underscores and fits in small
	fval  float64 // value of a tFloat when fits is set
	base  int     // base of a tInt (10, 16, 8 or 2)
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
	if c >= '0' && c <= '9' && l.fastNumber() {
		return nil
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
		return l.syntaxError(i, invalidChar(s[i:]))
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

// invalidChar describes the first character of s, which no token starts
// with, as CPython 3.11 does: a character that does not print is named by
// its code point, never written out, so that the message stays one
// printable line wherever it is shown (a terminal, a log, redis-cli).
func invalidChar(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case r == utf8.RuneError && size <= 1:
		return fmt.Sprintf("invalid UTF-8 byte 0x%02x", s[0])
	case !strconv.IsPrint(r):
		return fmt.Sprintf("invalid non-printable character U+%04X", r)
	case r >= utf8.RuneSelf:
		return fmt.Sprintf("invalid character '%c' (U+%04X)", r, r)
	}
	return "invalid character '" + string(r) + "'"
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
				return l.syntaxError(i, invalidChar(s[i:]))
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
