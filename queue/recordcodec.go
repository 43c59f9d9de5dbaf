package queue

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"abaco"
)

// A job is decoded when a worker takes it and whenever a client reads or
// waits for it, and encoded when it is submitted and when it finishes, so
// encoding/json's reflection was most of a job's cost (see "Evaluation
// jobs" in docs/benchmarks.md). The codec here writes the bytes
// json.Marshal writes and reads what it writes; anything else (escaped
// strings, white space, unknown or repeated members, null, a number
// json.Unmarshal would treat otherwise) it leaves to encoding/json, so it
// can only be faster, never different. FuzzRecordCodec checks both claims.

// appendRecord appends r as json.Marshal encodes it.
func appendRecord(b []byte, r *record) []byte {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(r.V), 10)
	b = appendMember(b, `,"id":`, r.ID)
	b = appendMember(b, `,"expr":`, r.Expr)
	b = appendMember(b, `,"state":`, string(r.State))
	if res := r.Res; res != nil {
		b = appendMember(b, `,"res":{"canon":`, res.Canonical)
		b = appendMember(b, `,"val":`, res.Value)
		b = appendMember(b, `,"kind":`, string(res.Kind))
		if res.Cache != "" {
			b = appendMember(b, `,"cache":`, string(res.Cache))
		}
		if res.Tier != "" {
			b = appendMember(b, `,"tier":`, res.Tier)
		}
		b = append(b, '}')
	}
	if e := r.Err; e != nil {
		b = appendMember(b, `,"err":{"code":`, string(e.Code))
		b = appendMember(b, `,"msg":`, e.Message)
		if e.Column != 0 {
			b = append(b, `,"col":`...)
			b = strconv.AppendInt(b, int64(e.Column), 10)
		}
		b = append(b, '}')
	}
	if r.N != 0 {
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, int64(r.N), 10)
	}
	b = append(b, `,"q":`...)
	b = strconv.AppendInt(b, r.Queued, 10)
	if r.Started != 0 {
		b = append(b, `,"st":`...)
		b = strconv.AppendInt(b, r.Started, 10)
	}
	if r.Finished != 0 {
		b = append(b, `,"fin":`...)
		b = strconv.AppendInt(b, r.Finished, 10)
	}
	if r.TraceParent != "" {
		b = appendMember(b, `,"tp":`, r.TraceParent)
	}
	if r.TraceState != "" {
		b = appendMember(b, `,"ts":`, r.TraceState)
	}
	return append(b, '}')
}

// appendMember appends key, which ends in a colon, and s as a JSON string.
func appendMember(b []byte, key, s string) []byte {
	b = append(b, key...)
	if !plain(s) {
		// json.Marshal of a string cannot fail.
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plain reports whether s is written as it is between quotes: printable
// ASCII that JSON does not escape, nor json.Marshal's HTML escaping.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// readRecord decodes what appendRecord writes, in any member order. ok is
// false when raw holds anything it does not read exactly as
// json.Unmarshal would, and the caller must then use json.Unmarshal.
func readRecord(raw []byte) (r record, ok bool) {
	s := scanner{b: raw, ok: true}
	var seen members
	s.object(func(key []byte) bool {
		var bit members
		switch string(key) { // compared without a copy
		case "v":
			bit, r.V = 1<<0, s.int()
		case "id":
			bit, r.ID = 1<<1, s.str()
		case "expr":
			bit, r.Expr = 1<<2, s.str()
		case "state":
			bit, r.State = 1<<3, readString[abaco.JobState](&s)
		case "res":
			bit, r.Res = 1<<4, s.result()
		case "err":
			bit, r.Err = 1<<5, s.error()
		case "n":
			bit, r.N = 1<<6, s.int()
		case "q":
			bit, r.Queued = 1<<7, s.int64()
		case "st":
			bit, r.Started = 1<<8, s.int64()
		case "fin":
			bit, r.Finished = 1<<9, s.int64()
		case "tp":
			bit, r.TraceParent = 1<<10, s.str()
		case "ts":
			bit, r.TraceState = 1<<11, s.str()
		default:
			return false
		}
		return seen.first(bit)
	})
	return r, s.ok && s.i == len(s.b)
}

// members is a set of an object's members, one bit each.
type members uint32

// first adds bit to m and reports whether it was not there: a repeated
// member is merged by json.Unmarshal, so the caller leaves it to it.
func (m *members) first(bit members) bool {
	if *m&bit != 0 {
		return false
	}
	*m |= bit
	return true
}

// scanner reads the subset of JSON that appendRecord writes. The first
// thing it does not expect clears ok, and every later read is then a no-op
// returning a zero value.
type scanner struct {
	b  []byte
	i  int
	ok bool
}

// object reads an object, calling member after each key and its colon;
// member reads the value and returns false for a key it does not know.
func (s *scanner) object(member func(key []byte) bool) {
	if !s.want('{') {
		return
	}
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return
	}
	for s.ok {
		key := s.raw()
		if !s.want(':') || !member(key) {
			s.ok = false
			return
		}
		if !s.ok || s.i >= len(s.b) {
			s.ok = false
			return
		}
		c := s.b[s.i]
		s.i++
		switch c {
		case ',':
		case '}':
			return
		default:
			s.ok = false
		}
	}
}

// want consumes c.
func (s *scanner) want(c byte) bool {
	if !s.ok || s.i >= len(s.b) || s.b[s.i] != c {
		s.ok = false
		return false
	}
	s.i++
	return true
}

// str reads a string without escapes, of valid UTF-8 (json.Unmarshal
// replaces invalid bytes).
func (s *scanner) str() string {
	v := s.raw()
	if v == nil {
		return ""
	}
	return string(v)
}

// raw reads a string as str does and returns its bytes in the input,
// without a copy (nil when it is not one str reads): for member names,
// which are only compared.
func (s *scanner) raw() []byte {
	if !s.want('"') {
		return nil
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		c := s.b[s.i]
		if c == '"' {
			v := s.b[start:s.i:s.i]
			s.i++
			if !utf8.Valid(v) {
				s.ok = false
				return nil
			}
			return v
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	s.ok = false
	return nil
}

// int64 reads an integer written as strconv writes it: an optional minus
// and digits without a leading zero.
func (s *scanner) int64() int64 {
	if !s.ok {
		return 0
	}
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - digits
	if n == 0 || (n > 1 && s.b[digits] == '0') {
		s.ok = false
		return 0
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.ok = false
		return 0
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil {
		s.ok = false
	}
	return v
}

// int reads an integer into an int, which is 64 bits wherever abaco runs
// (strconv.IntSize); a value out of its range is left to json.Unmarshal.
func (s *scanner) int() int {
	v := s.int64()
	if int64(int(v)) != v {
		s.ok = false
	}
	return int(v)
}

// result reads a recordResult.
func (s *scanner) result() *recordResult {
	var res recordResult
	var seen members
	s.object(func(key []byte) bool {
		var bit members
		switch string(key) { // compared without a copy
		case "canon":
			bit, res.Canonical = 1<<0, s.str()
		case "val":
			bit, res.Value = 1<<1, s.str()
		case "kind":
			bit, res.Kind = 1<<2, readString[abaco.Kind](s)
		case "cache":
			bit, res.Cache = 1<<3, readString[abaco.CacheStatus](s)
		case "tier":
			bit, res.Tier = 1<<4, readString[string](s)
		default:
			return false
		}
		return seen.first(bit)
	})
	return &res
}

// error reads a recordError.
func (s *scanner) error() *recordError {
	var e recordError
	var seen members
	s.object(func(key []byte) bool {
		var bit members
		switch string(key) { // compared without a copy
		case "code":
			bit, e.Code = 1<<0, readString[abaco.Code](s)
		case "msg":
			bit, e.Message = 1<<1, s.str()
		case "col":
			bit, e.Column = 1<<2, s.int()
		default:
			return false
		}
		return seen.first(bit)
	})
	return &e
}

// readString reads a string into one of abaco's string types. Their usual
// values (the states, kinds, cache statuses and tiers) come back as the
// constants, without a copy: most of a record's strings are those.
func readString[T ~string](s *scanner) T {
	v := s.raw()
	for _, w := range words {
		if string(v) == w {
			return T(w)
		}
	}
	if v == nil {
		return ""
	}
	return T(v)
}

// words are the values readString returns without a copy.
var words = [...]string{
	string(abaco.JobQueued), string(abaco.JobRunning), string(abaco.JobDone), string(abaco.JobFailed), string(abaco.JobCancelled),
	string(abaco.KindInt), string(abaco.KindFloat), string(abaco.KindBool),
	string(abaco.CacheHit), string(abaco.CacheMiss), string(abaco.CacheBypass),
	"local", "shared",
}
