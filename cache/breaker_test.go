package cache

import (
	"strings"
	"testing"
	"time"
)

func TestBreaker(t *testing.T) {
	now := time.Unix(0, 0)
	var changes []string
	b := &breaker{threshold: 3, cooldown: time.Second, now: func() time.Time { return now },
		onChange: func(from, to breakerState) { changes = append(changes, from.String()+">"+to.String()) }}
	step := func(name string, want breakerState, wantAllow bool) {
		t.Helper()
		if got := b.allow(); got != wantAllow {
			t.Fatalf("%s: allow = %v, want %v", name, got, wantAllow)
		}
		if got := b.current(); got != want {
			t.Fatalf("%s: state %v, want %v", name, got, want)
		}
	}
	b.failure()
	b.failure()
	b.success() // resets the count: failures must be consecutive
	b.failure()
	b.failure()
	step("two failures after a success", closed, true)
	b.failure()
	step("third consecutive failure opens", open, false)
	now = now.Add(time.Second - 1)
	step("still cooling down", open, false)
	now = now.Add(1)
	step("cooldown over: one probe", halfOpen, true)
	step("only one probe at a time", halfOpen, false)
	b.failure()
	step("failed probe reopens", open, false)
	now = now.Add(time.Second)
	step("next probe", halfOpen, true)
	b.abandon()
	step("abandoned probe is retried at once", halfOpen, true)
	b.success()
	step("successful probe closes", closed, true)
	want := "closed>open open>half-open half-open>open open>half-open half-open>open open>half-open half-open>closed"
	if got := strings.Join(changes, " "); got != want {
		t.Fatalf("changes:\n got %s\nwant %s", got, want)
	}
}
