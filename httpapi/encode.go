package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"

	"abaco"
)

// This file holds the allocation-lean JSON of the /evaluate hot path: the
// request is read with a fast path for the common shape and the response is
// built by appending to a pooled buffer, without reflection.

// newEvaluation converts an engine result to its JSON form. A float
// that is inf or nan has no JSON number: it is the not_finite problem.
func newEvaluation(res abaco.Result) (Evaluation, error) {
	v, err := jsonValue(res.Kind, res.Value)
	if err != nil {
		return Evaluation{}, err
	}
	return Evaluation{
		Resultado:         v,
		ExpressaoCanonica: res.Expression,
		Repr:              res.Value,
		Tipo:              res.Kind,
		Cache:             res.Cache,
		Camada:            res.Tier,
	}, nil
}

// jsonValue returns the JSON literal of a Python repr of kind.
func jsonValue(kind abaco.Kind, repr string) (Value, error) {
	switch kind {
	case abaco.KindBool:
		switch repr {
		case "True":
			return Value("true"), nil
		case "False":
			return Value("false"), nil
		}
	case abaco.KindFloat:
		switch repr {
		case "inf", "-inf", "nan":
			return "", abaco.Errorf(abaco.CodeNotFinite, "the result is %s, which JSON cannot represent as a number", repr)
		}
		fallthrough
	case abaco.KindInt:
		if isJSONNumber(repr) {
			return Value(repr), nil
		}
	}
	return "", errors.New("httpapi: engine result " + string(kind) + " " + repr + " is not a JSON number or boolean")
}

// isJSONNumber reports whether s is a number in JSON's grammar. Python's
// repr of ints and finite floats always is ("1e+16", "-0.0", "5e-324"); the
// check guards the hand-built response against an engine bug.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		if j := skipDigits(s, i+1); j > i+1 {
			i = j
		} else {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if j := skipDigits(s, i); j > i {
			i = j
		} else {
			return false
		}
	}
	return i == len(s)
}

// skipDigits returns the index of the first non-digit at or after i.
func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// appendJSON appends the response as one JSON object and a newline. The
// member order and names are those of the Evaluation fields.
func (r *Evaluation) appendJSON(b []byte) []byte {
	b = append(b, `{"resultado":`...)
	b = append(b, r.Resultado...)
	b = append(b, `,"expressao_canonica":`...)
	b = appendString(b, r.ExpressaoCanonica)
	b = append(b, `,"repr":`...)
	b = appendString(b, r.Repr)
	b = append(b, `,"tipo":`...)
	b = appendString(b, string(r.Tipo))
	b = append(b, `,"cache":`...)
	b = appendString(b, string(r.Cache))
	if r.Camada != "" {
		b = append(b, `,"camada":`...)
		b = appendString(b, r.Camada)
	}
	return append(b, "}\n"...)
}

// appendJSON appends the answer of POST /jobs as encoding/json would write
// it (the members in field order, sem_worker only when true) and a
// newline: the intake's hot path, built without reflection.
func (a *JobAccepted) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, a.ID)
	b = append(b, `,"estado":`...)
	b = appendString(b, string(a.Estado))
	b = append(b, `,"url":`...)
	b = appendString(b, a.URL)
	if a.SemWorker {
		b = append(b, `,"sem_worker":true`...)
	}
	return append(b, "}\n"...)
}

// MarshalJSON encodes the response exactly as POST /evaluate writes it, so a
// job's result has the same shape.
func (r Evaluation) MarshalJSON() ([]byte, error) {
	b := r.appendJSON(nil)
	return b[:len(b)-1], nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does; control characters and the characters that could
// close a string are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\t':
				b = append(b, '\\', 't')
			case '\r':
				b = append(b, '\\', 'r')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decodeExpression extracts expressao from a request body. The common body,
// {"expressao": "..."} with no escapes in the string, is read directly; any
// other body is walked token by token with encoding/json, which gives
// precise messages and, unlike decoding into a struct, matches the member
// name exactly (encoding/json would take "Expressao" too) and rejects a
// repeated member instead of keeping the last. Errors have code invalid.
func decodeExpression(body []byte) (string, error) {
	if s, ok := fastExpression(body); ok {
		return s, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	invalid := func(format string, args ...any) (string, error) {
		return "", abaco.Errorf(abaco.CodeInvalid, format, args...)
	}
	tok, err := dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return invalid(`the request body is empty; send {"expressao": "2+2"}`)
	case err != nil:
		return invalid("the request body is not the expected JSON object: %v", err)
	case tok != json.Delim('{'):
		return invalid(`the request body must be a JSON object such as {"expressao": "2+2"}`)
	}
	var expr *string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return invalid("the request body is not the expected JSON object: %v", err)
		}
		name, _ := tok.(string)
		switch {
		case name != "expressao":
			return invalid("the request body has an unknown member %q; the only member is \"expressao\"", name)
		case expr != nil:
			return invalid(`the request body has "expressao" twice`)
		}
		if err := dec.Decode(&expr); err != nil || expr == nil {
			return invalid(`"expressao" must be a string, such as "2+2"`)
		}
	}
	if _, err := dec.Token(); err != nil {
		return invalid("the request body is not the expected JSON object: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("the request body has data after the JSON object")
	}
	if expr == nil {
		return invalid(`the request body has no "expressao" member; send {"expressao": "2+2"}`)
	}
	return *expr, nil
}

// fastExpression matches `{ "expressao" : "<plain string>" }` with optional
// JSON whitespace, where the string has no escapes or control characters
// and is valid UTF-8. It reports false for anything else.
func fastExpression(b []byte) (string, bool) {
	i := skipSpace(b, 0)
	const key = `"expressao"`
	if i >= len(b) || b[i] != '{' {
		return "", false
	}
	i = skipSpace(b, i+1)
	if !bytes.HasPrefix(b[i:], []byte(key)) {
		return "", false
	}
	i = skipSpace(b, i+len(key))
	if i >= len(b) || b[i] != ':' {
		return "", false
	}
	i = skipSpace(b, i+1)
	if i >= len(b) || b[i] != '"' {
		return "", false
	}
	start := i + 1
	end := start
	for end < len(b) && b[end] != '"' {
		if b[end] < 0x20 || b[end] == '\\' {
			return "", false
		}
		end++
	}
	if end >= len(b) {
		return "", false
	}
	i = skipSpace(b, end+1)
	if i >= len(b) || b[i] != '}' || skipSpace(b, i+1) != len(b) {
		return "", false
	}
	s := b[start:end]
	if !utf8.Valid(s) {
		return "", false
	}
	return string(s), true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
