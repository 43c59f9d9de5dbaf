// Package opt holds the one rule abaco's Options structs follow for fields
// left unset, so that cache, queue and rdb read their options alike.
package opt

import "log/slog"

// Number is what Or accepts: counts, sizes and durations.
type Number interface {
	~int | ~int64
}

// Or returns v, or def when v is zero or negative. A negative count, size
// or duration has no meaning in any abaco option, so it takes the default
// rather than reaching a library that would read it some other way.
func Or[T Number](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Logger returns l, or a logger that discards everything when l is nil: a
// package logs only where its caller asked it to.
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
