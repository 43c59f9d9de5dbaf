package httpapi

import (
	"encoding/json"
	"testing"
)

func TestIsJSONNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "4", "-17", "0.5", "-0.0", "1e+16", "1e-05", "5e-324", "1.7976931348623157e+308", "12345678901234567890123"} {
		if !isJSONNumber(s) || !json.Valid([]byte(s)) {
			t.Errorf("%q: want a JSON number", s)
		}
	}
	for _, s := range []string{"", "-", "01", ".5", "1.", "1e", "1e+", "inf", "nan", "+1", "1_000", "0x10", "1 "} {
		if isJSONNumber(s) {
			t.Errorf("%q: is not a JSON number", s)
		}
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "2 + 2", `a"b\c`, "tab\there\nnew", "\x01\x1f", "ção π", "bad \xff utf8", "<&>"} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q -> %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q: round trip %q, encoding/json %q", s, back, wantBack)
		}
	}
}

func TestJobAcceptedMatchesEncodingJSON(t *testing.T) {
	for _, a := range []JobAccepted{
		{ID: "AbC-_9", Estado: "queued", URL: "/jobs/AbC-_9"},
		{ID: "x", Estado: "queued", URL: "/jobs/x", SemWorker: true},
		{ID: `"<&>\`, Estado: "done", URL: "/jobs/ção"},
	} {
		want := marshal(a)
		if got := a.appendJSON(nil); string(got) != string(want) {
			t.Errorf("%+v: got %s, encoding/json %s", a, got, want)
		}
	}
}

func TestFastExpression(t *testing.T) {
	tests := []struct {
		name, body, want string
		ok               bool
	}{
		{"plain", `{"expressao": "2+2"}`, "2+2", true},
		{"spaces", " {\n \"expressao\" :\t\"1 * 3\" } \n", "1 * 3", true},
		{"escape goes the slow way", `{"expressao": "2\n"}`, "", false},
		{"other key", `{"expr": "2"}`, "", false},
		{"two members", `{"expressao": "2", "x": 1}`, "", false},
		{"unterminated", `{"expressao": "2`, "", false},
		{"trailing", `{"expressao": "2"} x`, "", false},
		{"invalid utf8", "{\"expressao\": \"\xff\"}", "", false},
	}
	for _, tt := range tests {
		got, ok := fastExpression([]byte(tt.body))
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %q %v, want %q %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzDecodeExpression checks that the direct reader of the common body
// and the general decoder agree: whatever fastExpression accepts, the
// token walk accepts with the same string, and an accepted body is always
// valid JSON holding exactly that "expressao".
func FuzzDecodeExpression(f *testing.F) {
	for _, s := range []string{
		`{"expressao": "2+2"}`, ` {"expressao" : "1 < 2"} `, `{"expressao": "2\u002b2"}`,
		`{"Expressao": "1"}`, `{"expressao": "1", "expressao": "2"}`, `{"expressao": null}`,
		`{}`, `[]`, `"2+2"`, `{"expressao": "ção"}`, `{"expressao": "a"} x`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeExpression(body)
		if fast, ok := fastExpression(body); ok && (err != nil || got != fast) {
			t.Fatalf("%q: fast path %q, decoder %q, %v", body, fast, got, err)
		}
		if err != nil {
			return
		}
		var m map[string]string
		if json.Unmarshal(body, &m) != nil || len(m) != 1 || m["expressao"] != got {
			t.Fatalf("%q accepted as %q, but it is not {\"expressao\": that string}", body, got)
		}
	})
}
