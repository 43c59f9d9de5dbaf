package cache

import (
	"sync"
	"time"
)

// breakerState is the state of the circuit breaker guarding the shared tier.
type breakerState int

const (
	// closed: the shared tier is used; failures are counted.
	closed breakerState = iota
	// open: the shared tier is skipped until the cooldown ends, so an
	// outage costs requests no time at all.
	open
	// halfOpen: one probe is in flight; its outcome closes or reopens.
	halfOpen
)

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
// failures in a row it opens; after cooldown it lets one call through as a
// probe (half-open); the probe's success closes it, its failure reopens it.
type breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time
	// onChange is called after every state change, in order, under the
	// lock: it must not call the breaker.
	onChange func(from, to breakerState)

	mu       sync.Mutex
	state    breakerState
	failures int
	openedAt time.Time
}

// allow reports whether a call to the shared tier may go ahead. In the
// open state it turns the first call after the cooldown into the probe.
func (b *breaker) allow() bool {
	b.mu.Lock()
	switch b.state {
	case closed:
		b.mu.Unlock()
		return true
	case open:
		if b.now().Sub(b.openedAt) < b.cooldown {
			b.mu.Unlock()
			return false
		}
		b.set(halfOpen)
		return true
	default: // a probe is already in flight
		b.mu.Unlock()
		return false
	}
}

// success records a call that worked.
func (b *breaker) success() {
	b.mu.Lock()
	b.failures = 0
	if b.state == closed {
		b.mu.Unlock()
		return
	}
	b.set(closed)
}

// failure records a call that failed or timed out.
func (b *breaker) failure() {
	b.mu.Lock()
	b.failures++
	if b.state == halfOpen || (b.state == closed && b.failures >= b.threshold) {
		b.openedAt = b.now()
		b.set(open)
		return
	}
	b.mu.Unlock()
}

// abandon records a call whose outcome says nothing about the shared tier
// (its caller gave up). A probe abandoned this way is retried by the next
// call, since the cooldown has already passed.
func (b *breaker) abandon() {
	b.mu.Lock()
	if b.state != halfOpen {
		b.mu.Unlock()
		return
	}
	b.set(open)
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
