package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
)

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"42", "42"},
		{"2 + 3", "2 + 3"},
		{"π * 2", "π * 2"},
		{"1\n+1", `"1\n+1"`},
		{"2\r+3", `"2\r+3"`},
		{"\x1b[31m7", `"\x1b[31m7"`},
		{"bad \xff utf-8", `"bad \xff utf-8"`},
		{"tab\there", `"tab\there"`},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestConsumePrintsOneLinePerItem pushes payloads holding a newline, a
// carriage return and an escape sequence, as a plain RPUSH would, and
// checks that consume prints each as one escaped line, and that the dead
// letter of the one that does not parse lists as one line without the
// escape byte, whatever the log format.
func TestConsumePrintsOneLinePerItem(t *testing.T) {
	t.Parallel()
	for format, prefix := range map[string]string{"text": "time=", "json": `{"time":`} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			testConsumePrintsOneLinePerItem(t, format, prefix)
		})
	}
}

// testConsumePrintsOneLinePerItem is TestConsumePrintsOneLinePerItem
// with --log-format format, whose records start with prefix.
func testConsumePrintsOneLinePerItem(t *testing.T, format, prefix string) {
	srv := redistest.Start(t)
	srv.MustDo("RPUSH", "number_queue", "1\n+1", "2\r+3", "\x1b[31m7", "42")
	p := startInProcess(srv.URL, "consume", "--delay", "0", "--log-format", format)
	want := []string{`processed "1\n+1" = 2`, `processed "2\r+3" = 5`, "processed 42"}
	deadline := time.Now().Add(10 * time.Second)
	for (strings.Count(p.out.String(), "\n") < len(want) || srv.MustDo("LLEN", "{number_queue}:dead") != "1") &&
		time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("consume exited with %d: %s", code, p.err.String())
	}
	// The dead letter's log line holds the payload too: every line of the
	// log must be a record of its own, with the time first.
	logs := p.err.String()
	if !strings.Contains(logs, "dead letter") {
		t.Errorf("no dead letter logged:\n%s", logs)
	}
	for _, line := range strings.Split(strings.TrimSuffix(logs, "\n"), "\n") {
		if !strings.HasPrefix(line, prefix) || format == "json" && !json.Valid([]byte(line)) || strings.ContainsAny(line, "\r\x1b") {
			t.Errorf("log line %q is not one record", line)
		}
	}
	got := strings.Split(strings.TrimSuffix(p.out.String(), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("consume printed %d lines, want %d:\n%s", len(got), len(want), p.out.String())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i+1, got[i], want[i])
		}
	}
	code, out, errs := runWith(srv.URL, "", "queue", "dead")
	if code != 0 || strings.Count(out, "\n") != 2 || strings.ContainsAny(out, "\x1b\r") || !strings.Contains(out, `\x1b`) {
		t.Errorf("queue dead = %d, want a header and one escaped line:\n%q\n%s", code, out, errs)
	}
}
