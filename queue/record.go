package queue

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"abaco"
)

// recordVersion is the format version written in every job record. Version
// 1 was JSON (the struct tags below); version 2 is the compact binary form
// of encodeRecord, about a fifth of the size, since a flood of queued jobs
// is mostly records. Readers keep reading every older version: records of
// older servers may still be in Redis during an upgrade.
const recordVersion = 2

// record is a job as stored in the broker: encodeRecord's binary form,
// pinned by testdata/record_*.hex. Its JSON tags are the format of
// version 1, still read (testdata/record_*.json). The id is the record's
// key, so version 2 does not repeat it. The times of
// the job's life are in the record (unix milliseconds, zero until they
// happen), so one write can carry a whole transition and a console can
// draw a job's timeline from it.
type record struct {
	V     int            `json:"v"`
	ID    string         `json:"id"`
	Expr  string         `json:"expr"`
	State abaco.JobState `json:"state"`
	Res   *recordResult  `json:"res,omitempty"`
	Err   *recordError   `json:"err,omitempty"`
	// N is the delivery that last ran the job (abaco.Job.Attempts).
	N int `json:"n,omitempty"`
	// Queued, Started and Finished are when the job was submitted, when
	// its last delivery began, and when it was done or failed.
	Queued   int64 `json:"q"`
	Started  int64 `json:"st,omitempty"`
	Finished int64 `json:"fin,omitempty"`
	// TraceParent and TraceState are the W3C trace context of the
	// submitting request, so a worker can continue its trace.
	TraceParent string `json:"tp,omitempty"`
	TraceState  string `json:"ts,omitempty"`
}

// recordResult is a stored abaco.Result.
type recordResult struct {
	Canonical string            `json:"canon"`
	Value     string            `json:"val"`
	Kind      abaco.Kind        `json:"kind"`
	Cache     abaco.CacheStatus `json:"cache,omitempty"`
	Tier      string            `json:"tier,omitempty"`
}

// recordError is a stored abaco.Error.
type recordError struct {
	Code    abaco.Code `json:"code"`
	Message string     `json:"msg"`
	Column  int        `json:"col,omitempty"`
}

// millis returns t in unix milliseconds, 0 for the zero time.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMillis is the inverse of millis, in UTC.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// job returns the API's view of the record. UpdatedAt is the latest of
// its times, which is when it last changed state.
func (r record) job() abaco.Job {
	j := abaco.Job{ID: r.ID, Expression: r.Expr, State: r.State, Attempts: r.N,
		CreatedAt: fromMillis(r.Queued)}
	j.UpdatedAt = fromMillis(max(r.Queued, r.Started, r.Finished))
	if r.Res != nil {
		j.Result = &abaco.Result{Expression: r.Res.Canonical, Value: r.Res.Value, Kind: r.Res.Kind,
			Cache: r.Res.Cache, Tier: r.Res.Tier}
	}
	if r.Err != nil {
		j.Err = &abaco.Error{Code: r.Err.Code, Message: r.Err.Message, Column: r.Err.Column}
	}
	return j
}

// setResult records a successful evaluation.
func (r *record) setResult(res abaco.Result) {
	r.State, r.Err = abaco.JobDone, nil
	r.Res = &recordResult{Canonical: res.Expression, Value: res.Value, Kind: res.Kind, Cache: res.Cache, Tier: res.Tier}
}

// setError records a final failure.
func (r *record) setError(e *abaco.Error) {
	r.State, r.Res = abaco.JobFailed, nil
	r.Err = &recordError{Code: e.Code, Message: e.Message, Column: e.Column}
}

// The flags byte of a version 2 record says which optional parts follow.
const (
	hasStarted byte = 1 << iota
	hasFinished
	hasResult
	hasError
	hasTrace
)

// recordStates numbers the job states in version 2 records.
var recordStates = []abaco.JobState{abaco.JobQueued, abaco.JobRunning, abaco.JobDone, abaco.JobFailed}

// encodeRecord returns the stored form of r (version 2): the version byte
// (never '{', so a JSON record of version 1 cannot be mistaken for it), the
// state's number, the flags, then varints and length-prefixed strings:
//
//	2 state flags n queued [started-queued] [finished-queued] expr
//	[canon val kind cache tier] [code msg col] [traceparent tracestate]
func encodeRecord(r record) ([]byte, error) {
	st := slices.Index(recordStates, r.State)
	if st < 0 {
		return nil, fmt.Errorf("queue: record of unknown state %q", r.State)
	}
	var flags byte
	for _, f := range []struct {
		on   bool
		flag byte
	}{{r.Started != 0, hasStarted}, {r.Finished != 0, hasFinished}, {r.Res != nil, hasResult},
		{r.Err != nil, hasError}, {r.TraceParent != "" || r.TraceState != "", hasTrace}} {
		if f.on {
			flags |= f.flag
		}
	}
	b := make([]byte, 0, 16+len(r.Expr))
	b = append(b, recordVersion, byte(st), flags)
	b = binary.AppendUvarint(b, uint64(r.N))
	b = binary.AppendVarint(b, r.Queued)
	if flags&hasStarted != 0 {
		b = binary.AppendVarint(b, r.Started-r.Queued)
	}
	if flags&hasFinished != 0 {
		b = binary.AppendVarint(b, r.Finished-r.Queued)
	}
	b = appendString(b, r.Expr)
	if r.Res != nil {
		b = appendString(b, r.Res.Canonical, r.Res.Value, string(r.Res.Kind), string(r.Res.Cache), r.Res.Tier)
	}
	if r.Err != nil {
		b = appendString(b, string(r.Err.Code), r.Err.Message)
		b = binary.AppendUvarint(b, uint64(r.Err.Column))
	}
	if flags&hasTrace != 0 {
		b = appendString(b, r.TraceParent, r.TraceState)
	}
	return b, nil
}

// appendString appends each s with its length before it.
func appendString(b []byte, ss ...string) []byte {
	for _, s := range ss {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// decodeRecord reads the stored record of job id, of any version: 2
// (binary), 1 (JSON with "v") or the unversioned JSON written before
// records had a version (json.Marshal of abaco.Job), read through
// legacyRecord.
func decodeRecord(id string, raw []byte) (record, error) {
	if len(raw) > 0 && raw[0] == recordVersion {
		r, err := decodeBinary(raw)
		r.ID = id
		return r, err
	}
	var r record
	if err := json.Unmarshal(raw, &r); err != nil {
		return record{}, err
	}
	if r.V != 0 {
		r.ID = id
		return r, nil
	}
	var old legacyRecord
	if err := json.Unmarshal(raw, &old); err != nil {
		return record{}, err
	}
	if old.ID == "" {
		return record{}, fmt.Errorf("a job record with neither a version nor an id")
	}
	return old.record(), nil
}

// decodeBinary reads a version 2 record (without its id).
func decodeBinary(raw []byte) (record, error) {
	d := decoder{b: raw[1:]}
	st, flags := d.byte(), d.byte()
	r := record{V: recordVersion, N: int(d.uvarint()), Queued: d.varint()}
	if int(st) < len(recordStates) {
		r.State = recordStates[st]
	} else {
		d.fail()
	}
	if flags&hasStarted != 0 {
		r.Started = r.Queued + d.varint()
	}
	if flags&hasFinished != 0 {
		r.Finished = r.Queued + d.varint()
	}
	r.Expr = d.string()
	if flags&hasResult != 0 {
		r.Res = &recordResult{Canonical: d.string(), Value: d.string(), Kind: abaco.Kind(d.string()),
			Cache: abaco.CacheStatus(d.string()), Tier: d.string()}
	}
	if flags&hasError != 0 {
		r.Err = &recordError{Code: abaco.Code(d.string()), Message: d.string(), Column: int(d.uvarint())}
	}
	if flags&hasTrace != 0 {
		r.TraceParent, r.TraceState = d.string(), d.string()
	}
	if d.bad || len(d.b) != 0 {
		return record{}, fmt.Errorf("a malformed job record of version %d (%d bytes)", recordVersion, len(raw))
	}
	return r, nil
}

// decoder reads a version 2 record; the first short or malformed read
// marks it bad and makes every later read return zero values.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) fail() { d.bad, d.b = true, nil }

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// legacyRecord is the unversioned format: abaco.Job's Go field names and
// RFC 3339 times. Its tags freeze that format.
type legacyRecord struct {
	ID         string         `json:"ID"`
	Expression string         `json:"Expression"`
	State      abaco.JobState `json:"State"`
	Result     *struct {
		Expression string            `json:"Expression"`
		Value      string            `json:"Value"`
		Kind       abaco.Kind        `json:"Kind"`
		Cache      abaco.CacheStatus `json:"Cache"`
		Tier       string            `json:"Tier"`
	} `json:"Result"`
	Err *struct {
		Code    abaco.Code `json:"Code"`
		Message string     `json:"Message"`
		Column  int        `json:"Column"`
	} `json:"Err"`
	Attempts  int       `json:"Attempts"`
	CreatedAt time.Time `json:"CreatedAt"`
	UpdatedAt time.Time `json:"UpdatedAt"`
}

// record converts the old format. Its one other time, UpdatedAt, is when
// the job started if it is running and when it finished if it is over.
func (o legacyRecord) record() record {
	r := record{V: 0, ID: o.ID, Expr: o.Expression, State: o.State, N: o.Attempts,
		Queued: millis(o.CreatedAt)}
	switch o.State {
	case abaco.JobRunning:
		r.Started = millis(o.UpdatedAt)
	case abaco.JobDone, abaco.JobFailed:
		r.Finished = millis(o.UpdatedAt)
	}
	if o.Result != nil {
		r.setResult(abaco.Result{Expression: o.Result.Expression, Value: o.Result.Value, Kind: o.Result.Kind,
			Cache: o.Result.Cache, Tier: o.Result.Tier})
	}
	if o.Err != nil {
		r.setError(&abaco.Error{Code: o.Err.Code, Message: o.Err.Message, Column: o.Err.Column})
	}
	r.State = o.State
	return r
}
