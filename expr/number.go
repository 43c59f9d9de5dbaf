package expr

import (
	"strings"
	"unicode/utf8"
)

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

// exactPow10 holds the powers of ten that float64 represents exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// fastNumber scans the common literals quickly: plain decimal ints of up
// to 18 digits, and floats "ddd.ddd" of up to 15 digits, whose value
// m / 10**k is computed exactly as one correctly rounded division (m and
// 10**k are both exact floats). It reports false, consuming nothing, for
// anything else.
func (l *lexer) fastNumber() bool {
	s, i := l.src, l.start
	j, v := i, int64(0)
	for j < len(s) && j-i < 18 && isDec(s[j]) {
		v = v*10 + int64(s[j]-'0')
		j++
	}
	if s[i] == '0' && j > i+1 {
		return false // leading zeros: an error, or a float like 01.5
	}
	if j == len(s) || !isNameByte(s[j]) && s[j] != '.' {
		l.kind, l.base, l.fits, l.small, l.end, l.pos = tInt, 10, true, v, j, j
		return true
	}
	if s[j] != '.' || j-i > 15 {
		return false
	}
	j++
	f := j
	for j < len(s) && j-i <= 16 && isDec(s[j]) {
		v = v*10 + int64(s[j]-'0')
		j++
	}
	if j-i > 16 || j < len(s) && (isNameByte(s[j]) || s[j] == '.') {
		return false
	}
	l.kind, l.fits, l.fval, l.end, l.pos = tFloat, true, float64(v)/exactPow10[j-f], j, j
	return true
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
		l.kind, l.fits = tFloat, false
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
