package queue

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"abaco"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// t0 is a fixed submission time for the golden records.
var t0 = time.Date(2026, 12, 2, 11, 50, 22, 123_000_000, time.UTC)

func ms(t time.Time) int64 { return t.UnixMilli() }

// TestRecordGolden pins the stored form of job records: a change to these
// files is a change to what is in Redis, which in-flight jobs of older
// workers must still read. Run with -update to rewrite them.
func TestRecordGolden(t *testing.T) {
	cases := []struct {
		name string
		rec  record
		job  abaco.Job
	}{
		{"queued", record{ID: "AAAAAAAAAAAAAAAAAAAAAA", Expr: "2+2", State: abaco.JobQueued, Queued: ms(t0)},
			abaco.Job{ID: "AAAAAAAAAAAAAAAAAAAAAA", Expression: "2+2", State: abaco.JobQueued, CreatedAt: t0, UpdatedAt: t0}},
		{"running", record{ID: "BBBBBBBBBBBBBBBBBBBBBB", Expr: "2+2", State: abaco.JobRunning, N: 2,
			Queued: ms(t0), Started: ms(t0.Add(time.Second)),
			TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", TraceState: "rojo=00f067aa0ba902b7"},
			abaco.Job{ID: "BBBBBBBBBBBBBBBBBBBBBB", Expression: "2+2", State: abaco.JobRunning, Attempts: 2,
				CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}},
		{"done", record{ID: "CCCCCCCCCCCCCCCCCCCCCC", Expr: "7 / 2", State: abaco.JobDone, N: 1,
			Res:    &recordResult{Canonical: "7 / 2", Value: "3.5", Kind: abaco.KindFloat, Cache: abaco.CacheHit, Tier: "shared"},
			Queued: ms(t0), Started: ms(t0.Add(time.Second)), Finished: ms(t0.Add(1500 * time.Millisecond))},
			abaco.Job{ID: "CCCCCCCCCCCCCCCCCCCCCC", Expression: "7 / 2", State: abaco.JobDone, Attempts: 1,
				Result:    &abaco.Result{Expression: "7 / 2", Value: "3.5", Kind: abaco.KindFloat, Cache: abaco.CacheHit, Tier: "shared"},
				CreatedAt: t0, UpdatedAt: t0.Add(1500 * time.Millisecond)}},
		{"failed", record{ID: "DDDDDDDDDDDDDDDDDDDDDD", Expr: "2+", State: abaco.JobFailed, N: 1,
			Err:    &recordError{Code: abaco.CodeSyntax, Message: "unexpected end of input", Column: 3},
			Queued: ms(t0), Started: ms(t0.Add(time.Second)), Finished: ms(t0.Add(time.Second))},
			abaco.Job{ID: "DDDDDDDDDDDDDDDDDDDDDD", Expression: "2+", State: abaco.JobFailed, Attempts: 1,
				Err:       &abaco.Error{Code: abaco.CodeSyntax, Message: "unexpected end of input", Column: 3},
				CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := append(encodeRecord(c.rec), '\n')
			path := filepath.Join("testdata", "record_"+c.name+".json")
			if *update {
				if err := os.WriteFile(path, raw, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, want) {
				t.Fatalf("stored form changed:\n got %s\nwant %s", raw, want)
			}
			got, err := decodeRecord(want)
			if err != nil {
				t.Fatal(err)
			}
			if job := got.job(); !reflect.DeepEqual(job, c.job) {
				t.Fatalf("decoded job = %+v\n         want %+v", job, c.job)
			}
		})
	}
}

// TestRecordLegacy reads records of the unversioned format, written by
// json.Marshal(abaco.Job) before records had their own type, as the
// testdata/legacy_*.json files keep them.
func TestRecordLegacy(t *testing.T) {
	cases := []struct {
		file string
		job  abaco.Job
	}{
		{"legacy_queued.json", abaco.Job{ID: "EEEEEEEEEEEEEEEEEEEEEE", Expression: "1+1", State: abaco.JobQueued,
			CreatedAt: t0, UpdatedAt: t0}},
		{"legacy_running.json", abaco.Job{ID: "FFFFFFFFFFFFFFFFFFFFFF", Expression: "1+1", State: abaco.JobRunning,
			Attempts: 1, CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}},
		{"legacy_done.json", abaco.Job{ID: "GGGGGGGGGGGGGGGGGGGGGG", Expression: "2 ** 10", State: abaco.JobDone, Attempts: 1,
			Result:    &abaco.Result{Expression: "2 ** 10", Value: "1024", Kind: abaco.KindInt, Cache: abaco.CacheMiss},
			CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Second)}},
		{"legacy_failed.json", abaco.Job{ID: "HHHHHHHHHHHHHHHHHHHHHH", Expression: "1/0", State: abaco.JobFailed, Attempts: 1,
			Err:       &abaco.Error{Code: abaco.CodeDivisionByZero, Message: "division by zero"},
			CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Second)}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			rec, err := decodeRecord(raw)
			if err != nil {
				t.Fatal(err)
			}
			if job := rec.job(); !reflect.DeepEqual(job, c.job) {
				t.Fatalf("decoded job = %+v\n         want %+v", job, c.job)
			}
		})
	}
	if _, err := decodeRecord([]byte(`{"x":1}`)); err == nil {
		t.Fatal("a record with neither a version nor an id decoded")
	}
}
