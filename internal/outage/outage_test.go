package outage

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestOneLinePerTransitionAndReminders(t *testing.T) {
	var buf bytes.Buffer
	l := New(slog.New(slog.NewTextHandler(&buf, nil)), "queue: take", time.Minute)
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }

	refused := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	if !l.Fail(refused) {
		t.Fatal("the first failure should start the outage")
	}
	// A second of retries every 50 ms: no more lines.
	for range 20 {
		now = now.Add(50 * time.Millisecond)
		if l.Fail(refused) {
			t.Fatal("a later failure started the outage again")
		}
	}
	now = now.Add(time.Minute)
	l.Fail(errors.New("OOM command not allowed when used memory > 'maxmemory'."))
	if since, reason := l.Down(); !since.Equal(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)) || !strings.HasPrefix(reason, "OOM") {
		t.Errorf("Down() = %v, %q; want the start and the last reason", since, reason)
	}
	now = now.Add(time.Second)
	if !l.OK() || l.OK() {
		t.Error("OK should end the outage once")
	}
	if since, _ := l.Down(); !since.IsZero() {
		t.Errorf("Down() after OK = %v, want zero", since)
	}

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		`level=WARN msg="queue: take failed; retrying" err="dial tcp 127.0.0.1:1: connect: connection refused" since=2026-12-02T12:00:00Z failures=1`,
		`level=WARN msg="queue: take still failing; retrying" err="OOM command not allowed when used memory > 'maxmemory'." since=2026-12-02T12:00:00Z failures=22`,
		`level=INFO msg="queue: take recovered" after=1m2s failures=22`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, line := range lines {
		// Drop the time= field the handler adds.
		if _, rest, _ := strings.Cut(line, " "); rest != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i, rest, want[i])
		}
	}
}
