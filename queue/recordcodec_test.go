package queue

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"abaco"
)

// codecRecords are records whose strings need every kind of escaping
// json.Marshal does, besides the plain ones of the golden files.
func codecRecords() []record {
	return []record{
		{V: 1, ID: "a", Expr: "2+2", State: abaco.JobQueued, Queued: 1},
		{V: 1, ID: "b", Expr: `"quoted" \ back`, State: abaco.JobDone, N: 3, Queued: -5, Started: 7, Finished: 1 << 62,
			Res: &recordResult{Canonical: "1 < 2 & 3 > 2", Value: "True", Kind: abaco.KindBool}},
		{V: 1, ID: "c", Expr: "π×2\u2028\t\n\x01", State: abaco.JobFailed,
			Err: &recordError{Code: abaco.CodeSyntax, Message: "invalid character '\xff'", Column: -1}},
		{V: 1, ID: "d", Expr: "", State: "", Res: &recordResult{}, Err: &recordError{}, TraceParent: "tp", TraceState: "k=v"},
	}
}

// TestRecordCodecMatchesJSON checks that the codec writes json.Marshal's
// bytes, and reads them back as json.Unmarshal does.
func TestRecordCodecMatchesJSON(t *testing.T) {
	for _, r := range codecRecords() {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got := appendRecord(nil, &r)
		if !bytes.Equal(got, want) {
			t.Errorf("appendRecord:\n got %s\nwant %s", got, want)
		}
		checkReadRecord(t, want)
	}
}

// TestReadRecordFallsBack lists inputs the fast reader must refuse, so
// that encoding/json decides them.
func TestReadRecordFallsBack(t *testing.T) {
	for _, raw := range []string{
		`{"v":1,"id":"a\u0041"}`,    // an escape
		`{"v":1, "id":"a"}`,         // white space
		`{"v":1,"id":"a","x":1}`,    // an unknown member
		`{"v":1,"id":"a","id":"b"}`, // a repeated member
		`{"v":1,"res":null}`,        // null
		`{"v":1.0}`, `{"v":1e3}`, `{"v":01}`, `{"v":-}`, `{"v":99999999999999999999}`,
		`{"v":1}x`, `{"v":1`, `{"v":1,}`, `{"id":"\xff"}`, `[]`, ``,
	} {
		if r, ok := readRecord([]byte(raw)); ok {
			t.Errorf("readRecord(%s) = %+v, true; want it left to encoding/json", raw, r)
		}
	}
}

// checkReadRecord fails t if readRecord accepts raw but reads it otherwise
// than json.Unmarshal does.
func checkReadRecord(t *testing.T, raw []byte) {
	t.Helper()
	got, ok := readRecord(raw)
	if !ok {
		return
	}
	var want record
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("readRecord accepted %q, which json.Unmarshal refuses: %v", raw, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("readRecord(%q):\n got %+v\nwant %+v", raw, got, want)
	}
}

// TestReadRecordGolden checks that the fast reader, not the fallback,
// reads every record format the golden files pin.
func TestReadRecordGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "record_*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden records: %v", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = bytes.TrimSuffix(raw, []byte("\n"))
		if _, ok := readRecord(raw); !ok {
			t.Errorf("%s: the fast reader refused a record encodeRecord wrote", f)
		}
		checkReadRecord(t, raw)
	}
}

// FuzzRecordCodec checks, for any input, that the fast reader either
// declines it or agrees with json.Unmarshal.
func FuzzRecordCodec(f *testing.F) {
	for _, r := range codecRecords() {
		raw, _ := json.Marshal(r)
		f.Add(raw)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range files {
		raw, _ := os.ReadFile(p)
		f.Add(bytes.TrimSpace(raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkReadRecord(t, raw)
	})
}

// FuzzRecordEncode checks that appendRecord writes json.Marshal's bytes
// for any strings and numbers.
func FuzzRecordEncode(f *testing.F) {
	f.Add("2+2", "4", "msg <&>", "tp", 1, int64(3))
	f.Add("\x00\u2029\xfe", "", "\"", "", -1, int64(-1))
	f.Fuzz(func(t *testing.T, e, val, msg, tp string, n int, q int64) {
		r := record{V: 1, ID: e + val, Expr: e, State: abaco.JobState(val), N: n, Queued: q, Started: -q, TraceParent: tp,
			Res: &recordResult{Canonical: e, Value: val, Tier: msg}, Err: &recordError{Code: abaco.Code(msg), Message: msg, Column: n}}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendRecord(nil, &r); !bytes.Equal(got, want) {
			t.Fatalf("appendRecord:\n got %s\nwant %s", got, want)
		}
		checkReadRecord(t, want)
	})
}

func BenchmarkRecordDecode(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "record_done.json"))
	if err != nil {
		b.Fatal(err)
	}
	// The file ends in a newline, which the codec leaves to encoding/json;
	// a stored record has none.
	raw = bytes.TrimSpace(raw)
	if _, ok := readRecord(raw); !ok {
		b.Fatal("the codec does not read the stored record itself")
	}
	b.Run("codec", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeRecord(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var r record
			if err := json.Unmarshal(raw, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkRecordEncode(b *testing.B) {
	r := record{V: 1, ID: "CCCCCCCCCCCCCCCCCCCCCC", Expr: "7 / 2", State: abaco.JobDone, N: 1,
		Res:    &recordResult{Canonical: "7 / 2", Value: "3.5", Kind: abaco.KindFloat, Cache: abaco.CacheHit, Tier: "shared"},
		Queued: 1, Started: 2, Finished: 3}
	b.Run("codec", func(b *testing.B) {
		for b.Loop() {
			_ = encodeRecord(r)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
