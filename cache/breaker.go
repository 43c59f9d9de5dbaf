package cache

import (
	"sync"
	"time"

	"abaco/internal/backoff"
)

// breakerState is the state of the circuit breaker guarding the shared tier.
type breakerState int

const (
	// closed: the shared tier is used; failures are counted.
	closed breakerState = iota
	// open: the shared tier is skipped until the cooldown ends, so an
	// outage costs requests no time at all.
	open
	// halfOpen: a probe is in flight; its outcome closes or reopens.
	// Requests still skip the shared tier meanwhile.
	halfOpen
)

// label is the state's value of the state label of
// abaco_cache_breaker_state.
func (s breakerState) label() string {
	if s == halfOpen {
		return "half_open"
	}
	return s.String()
}

func (s breakerState) String() string {
	switch s {
	case open:
		return "open"
	case halfOpen:
		return "half-open"
	}
	return "closed"
}

// breaker is a consecutive-failure circuit breaker. After threshold
// failures in a row it opens; the first call after the cooldown starts a
// probe in a goroutine of its own (half-open), so that no request waits on
// a tier that may still be down; the probe's success closes the breaker,
// its failure reopens it for another cooldown.
type breaker struct {
	threshold int
	cooldown  time.Duration
	// jitter shortens each cooldown by up to a quarter, at random, so that
	// the replicas of a service that lost Redis together do not probe it
	// in step. Tests with a fake clock leave it off.
	jitter bool
	now    func() time.Time
	// probe tests the shared tier and reports with success or failure.
	probe func()
	// onChange is called after every state change, in order, under the
	// lock: it must not call the breaker.
	onChange func(from, to breakerState)

	mu       sync.Mutex
	state    breakerState
	failures int
	openedAt time.Time
	wait     time.Duration // the cooldown of the current opening
	// downSince is when the shared tier first failed since it last
	// answered (zero: it answers), and downReason the last failure's
	// text. They are kept apart from the state so a failure below the
	// threshold shows too, and so a readiness probe reads them without
	// touching the breaker. failure and success set and clear downSince
	// under the lock they count with, so the two never disagree.
	downSince  time.Time
	downReason string
}

// allow reports whether a call to the shared tier may go ahead: only when
// the breaker is closed. An open breaker whose cooldown has ended starts
// the probe instead.
func (b *breaker) allow() bool {
	b.mu.Lock()
	switch {
	case b.state == closed:
		b.mu.Unlock()
		return true
	case b.state == open && b.now().Sub(b.openedAt) >= b.wait:
		b.set(halfOpen)
		go b.probe()
		return false
	}
	b.mu.Unlock()
	return false
}

// success records a call that worked, and reports whether it closed the
// breaker (an outage ended).
func (b *breaker) success() bool {
	b.mu.Lock()
	b.failures = 0
	b.downSince, b.downReason = time.Time{}, ""
	if b.state == closed {
		b.mu.Unlock()
		return false
	}
	b.set(closed)
	return true
}

// failure records a call that failed or timed out, with the failure's
// text, and reports whether the breaker is now open: the tier is out, as
// opposed to a failure below the threshold.
func (b *breaker) failure(reason string) bool {
	b.mu.Lock()
	b.failures++
	if b.downSince.IsZero() {
		b.downSince = b.now()
	}
	b.downReason = reason
	if b.state == halfOpen || (b.state == closed && b.failures >= b.threshold) {
		b.openedAt = b.now()
		b.wait = b.cooldown
		if b.jitter {
			b.wait = backoff.Jitter(b.cooldown, 0.25)
		}
		b.set(open)
		return true
	}
	out := b.state != closed
	b.mu.Unlock()
	return out
}

// current returns the state.
func (b *breaker) current() breakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// set changes the state with b.mu held, reports the change and releases
// the lock. Reporting under the lock keeps the reports in order; changes
// are rare, so the wait it may cause is too.
func (b *breaker) set(to breakerState) {
	from := b.state
	b.state = to
	if from != to && b.onChange != nil {
		b.onChange(from, to)
	}
	b.mu.Unlock()
}

// down returns since when the shared tier has been failing and the last
// failure's text; a zero since means it answers.
func (b *breaker) down() (since time.Time, reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.downSince, b.downReason
}
