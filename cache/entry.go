package cache

import (
	"errors"
	"strconv"
	"strings"

	"abaco"
)

// Entry is one cached outcome: a value as Python's repr prints it, or a
// deterministic error. Exactly one of Value and Err is set.
type Entry struct {
	// Value is the Python text of the value ("4", "0.5", "True", "inf").
	Value string
	// Kind is the Python type of Value; it is derived from the text when an
	// entry is decoded, so it is never stored.
	Kind abaco.Kind
	// Err is a deterministic evaluation error (any code but limit).
	Err *abaco.Error
}

// The encoding of an entry in the shared tier is plain text a person can
// read with redis-cli:
//
//	4                                  a value: Python's repr of it
//	0.5, 1e+16, inf, nan, True         (its kind follows from the text)
//	error:division_by_zero:division by zero
//	error:syntax@4:unexpected ')'      a syntax error, at column 4
//
// A value never starts with "error:", so the two forms cannot be confused.
const errorTag = "error:"

var errCorrupt = errors.New("cache: corrupt entry")

// encode returns the stored text of e.
func encode(e Entry) []byte {
	if e.Err == nil {
		return []byte(e.Value)
	}
	b := make([]byte, 0, len(errorTag)+len(e.Err.Code)+len(e.Err.Message)+8)
	b = append(b, errorTag...)
	b = append(b, e.Err.Code...)
	if e.Err.Column > 0 {
		b = append(b, '@')
		b = strconv.AppendInt(b, int64(e.Err.Column), 10)
	}
	b = append(b, ':')
	return append(b, e.Err.Message...)
}

// decode parses the stored text of an entry. It rejects what encode never
// writes, so a foreign or damaged value is treated as a miss.
func decode(b []byte) (Entry, error) {
	s := string(b)
	if rest, ok := strings.CutPrefix(s, errorTag); ok {
		head, msg, ok := strings.Cut(rest, ":")
		if !ok {
			return Entry{}, errCorrupt
		}
		code, col, hasCol := strings.Cut(head, "@")
		e := &abaco.Error{Code: abaco.Code(code), Message: msg}
		if hasCol {
			n, err := strconv.Atoi(col)
			if err != nil || n <= 0 {
				return Entry{}, errCorrupt
			}
			e.Column = n
		}
		if !cacheableCode(e.Code) {
			return Entry{}, errCorrupt
		}
		return Entry{Err: e}, nil
	}
	k, ok := kindOf(s)
	if !ok {
		return Entry{}, errCorrupt
	}
	return Entry{Value: s, Kind: k}, nil
}

// kindOf derives the Python type of a repr: True/False are bool; a float
// repr always has a '.', an exponent, or is inf/nan; an int is digits with
// an optional minus sign.
func kindOf(s string) (abaco.Kind, bool) {
	switch s {
	case "True", "False":
		return abaco.KindBool, true
	case "inf", "-inf", "nan":
		return abaco.KindFloat, true
	case "", "-":
		return "", false
	}
	digits := strings.TrimPrefix(s, "-")
	isInt := true
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' || c == 'e' || c == '+' || c == '-':
			isInt = false
		default:
			return "", false
		}
	}
	if isInt {
		return abaco.KindInt, true
	}
	return abaco.KindFloat, true
}

// cacheableCode reports whether an evaluation error with code may be
// cached: every engine code is deterministic except limit, whose outcome
// depends on the configured limits rather than on the expression.
func cacheableCode(c abaco.Code) bool {
	switch c {
	case abaco.CodeSyntax, abaco.CodeDivisionByZero, abaco.CodeOverflow,
		abaco.CodeDomain, abaco.CodeType, abaco.CodeName:
		return true
	}
	return false
}
