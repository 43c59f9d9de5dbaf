// Package outage logs a dependency's outages the way an operator wants to
// read them: one warn line when the outage starts, with the dependency's
// own error text; a reminder every so often while it lasts; one info line
// when it ends, with how long it lasted and how many calls failed. A
// consumer retrying every 50 ms to 1 s would otherwise write a line per
// retry.
package outage

import (
	"log/slog"
	"sync"
	"time"
)

// DefaultRemind is how often a lasting outage is logged again.
const DefaultRemind = time.Minute

// Log tracks one dependency as seen by one caller (the consumer's take
// loop, its acker, the cache's shared tier). It is safe for concurrent use.
type Log struct {
	log    *slog.Logger
	what   string
	remind time.Duration
	now    func() time.Time

	mu     sync.Mutex
	since  time.Time // zero while the dependency answers
	said   time.Time // when the outage was last logged
	fails  int
	reason string
}

// New returns a Log that names the failing calls what (e.g. "queue: take")
// in its lines and reminds every remind (zero or negative: DefaultRemind).
func New(log *slog.Logger, what string, remind time.Duration) *Log {
	if remind <= 0 {
		remind = DefaultRemind
	}
	return &Log{log: log, what: what, remind: remind, now: time.Now}
}

// Fail records a failed call. It logs at warn when the outage starts and
// then at most once per remind interval; it reports whether this failure
// started the outage.
func (l *Log) Fail(err error, attrs ...any) bool {
	l.mu.Lock()
	now := l.now()
	l.fails++
	l.reason = err.Error()
	first := l.since.IsZero()
	var msg string
	switch {
	case first:
		l.since, l.said = now, now
		msg = l.what + " failed; retrying"
	case now.Sub(l.said) >= l.remind:
		l.said = now
		msg = l.what + " still failing; retrying"
	}
	since, fails := l.since, l.fails
	l.mu.Unlock()
	if msg != "" {
		l.log.Warn(msg, append(attrs, "err", err.Error(), "since", since.UTC().Format(time.RFC3339), "failures", fails)...)
	}
	return first
}

// OK records a call that worked. It logs at info when that ends an
// outage, and reports whether it did.
func (l *Log) OK() bool {
	l.mu.Lock()
	if l.since.IsZero() {
		l.mu.Unlock()
		return false
	}
	lasted, fails := l.now().Sub(l.since), l.fails
	l.since, l.fails, l.reason = time.Time{}, 0, ""
	l.mu.Unlock()
	l.log.Info(l.what+" recovered", "after", lasted.Round(time.Millisecond).String(), "failures", fails)
	return true
}

// Down returns since when the calls have been failing and the last
// failure's text; a zero since means the last call worked.
func (l *Log) Down() (since time.Time, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.since, l.reason
}
