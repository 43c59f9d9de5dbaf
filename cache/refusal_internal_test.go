package cache

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"abaco/expr"
)

// TestRefusalHysteresis drives the refused-writes state with a fake
// clock: the first refusal enters it; writes are then tried at most every
// refusedRetry; a refusal during the hold starts the wait over; only
// writes that work for refusedHold end it; each transition logs once.
func TestRefusalHysteresis(t *testing.T) {
	now := time.Unix(1000, 0)
	var logs bytes.Buffer
	c := New(expr.New(expr.Limits{}), Options{Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	const oom = "OOM command not allowed when used memory > 'maxmemory'."
	type step struct {
		name       string
		advance    time.Duration
		write      string // "ok", "refused", or "" for none
		wantPaused bool   // writesPaused before the write
		wantIn     bool   // in the refused state after it
	}
	steps := []step{
		{"writable", 0, "ok", false, false},
		{"first refusal enters", 0, "refused", false, true},
		{"within the retry wait: paused", time.Second, "", true, true},
		{"retry due: tried, refused again", time.Second, "refused", false, true},
		{"paused again", 100 * time.Millisecond, "", true, true},
		{"retry due: works", 2 * time.Second, "ok", false, true},
		{"hold: writes go on", time.Second, "ok", false, true},
		{"refused during the hold", time.Second, "refused", false, true},
		{"paused after it", time.Second, "", true, true},
		{"retry due: works", time.Second, "ok", false, true},
		{"not held long enough", 2 * time.Second, "ok", false, true},
		{"held: leaves", time.Second, "ok", false, false},
		{"writable again", time.Second, "", false, false},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if got := c.writesPaused(); got != s.wantPaused {
			t.Fatalf("%s: writesPaused = %v, want %v", s.name, got, s.wantPaused)
		}
		switch s.write {
		case "ok":
			c.writeWorked()
		case "refused":
			c.writeRefused(oom)
		}
		since, reason := c.WritesRefused()
		if in := !since.IsZero(); in != s.wantIn || (in && reason != oom) {
			t.Fatalf("%s: WritesRefused = %v %q, want in the state: %v", s.name, since, reason, s.wantIn)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, "OOM") {
		t.Errorf("%d warn lines, want one naming OOM:\n%s", n, out)
	}
	if n := strings.Count(out, "write-back resumed"); n != 1 {
		t.Errorf("%d lines saying write-back resumed, want one:\n%s", n, out)
	}
}
