package queue

import (
	"encoding/json"
	"fmt"
	"time"

	"abaco"
)

// recordVersion is the format version written in every job record. Fields
// are only ever added (readers ignore the ones they do not know); the
// version changes when a field's meaning does.
const recordVersion = 1

// record is a job as stored in the broker. Its JSON tags, not Go's field
// names, are the stored format, so renaming a field cannot change what
// in-flight jobs decode to; testdata/record_*.json pins it. The times of
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

// encodeRecord returns the stored form of r.
func encodeRecord(r record) []byte {
	r.V = recordVersion
	return appendRecord(make([]byte, 0, 256), &r)
}

// decodeRecord reads a stored record. A record without a version is the
// format written before records had one (json.Marshal of abaco.Job), which
// may still be in the broker during an upgrade; it is read through
// legacyRecord.
func decodeRecord(raw []byte) (record, error) {
	r, ok := readRecord(raw)
	if ok && r.V != 0 {
		return r, nil
	}
	r = record{}
	if err := json.Unmarshal(raw, &r); err != nil {
		return record{}, err
	}
	if r.V != 0 {
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
	r := record{V: recordVersion, ID: o.ID, Expr: o.Expression, State: o.State, N: o.Attempts,
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
