package abaco

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Clients may switch on it;
// it never changes once released. The HTTP layer maps each code to a status
// in one table (httpapi/errors.go).
type Code string

// Evaluation error codes, returned by the engine.
const (
	// CodeSyntax means the input is not a valid expression; Error.Column says where.
	CodeSyntax Code = "syntax"
	// CodeDivisionByZero is Python's ZeroDivisionError.
	CodeDivisionByZero Code = "division_by_zero"
	// CodeOverflow is Python's OverflowError (a float result too large, int to float).
	CodeOverflow Code = "overflow"
	// CodeDomain is a math domain error or a ValueError (sqrt(-1), factorial(-1)).
	CodeDomain Code = "domain"
	// CodeType is Python's TypeError (wrong operand or argument types or counts).
	CodeType Code = "type"
	// CodeName is an unknown name or function (Python's NameError).
	CodeName Code = "name"
	// CodeLimit means a configured limit (length, depth, nodes, integer size,
	// work) was exceeded. Such errors are never cached.
	CodeLimit Code = "limit"
)

// CodeNotFinite means the result is inf or nan, which JSON cannot carry.
// The engine never returns it: inf and nan are values, as in Python, and
// cached as such. The HTTP layer returns it when a value must be written
// as a JSON number, so abaco_eval_errors_total, which counts the engine's
// errors, does not count it; the request metrics do (status 422).
const CodeNotFinite Code = "not_finite"

// Request and service error codes.
const (
	// CodeInvalid is a malformed or unacceptable request.
	CodeInvalid Code = "invalid"
	// CodeTooLarge is a request body over the size limit.
	CodeTooLarge Code = "too_large"
	// CodeUnsupportedMediaType is a request body that is not JSON.
	CodeUnsupportedMediaType Code = "unsupported_media_type"
	// CodeNotFound is an unknown resource (a job id that expired).
	CodeNotFound Code = "not_found"
	// CodeUnauthorized is a missing or wrong admin token.
	CodeUnauthorized Code = "unauthorized"
	// CodeConflict means the resource is not in a state that allows the
	// operation (cancelling a job that already started).
	CodeConflict Code = "conflict"
	// CodeIdempotencyMismatch is an Idempotency-Key reused with a
	// different request.
	CodeIdempotencyMismatch Code = "idempotency_mismatch"
	// CodeOverloaded means too many evaluations are running; retry later.
	CodeOverloaded Code = "overloaded"
	// CodeQueueFull means the job queue holds as many waiting jobs as its
	// bound allows; retry once workers have taken some.
	CodeQueueFull Code = "queue_full"
	// CodeRateLimited means this client sent more requests than its rate
	// limit allows; retry after the time the response names.
	CodeRateLimited Code = "rate_limited"
	// CodeUnavailable means a dependency (Redis) is down and the operation needs it.
	CodeUnavailable Code = "unavailable"
	// CodeInternal is a bug. Its message is never shown to clients.
	CodeInternal Code = "internal"
)

// Error is abaco's one error type: a stable Code, a human message and, for
// syntax errors, the 1-based column in the input where the problem is.
type Error struct {
	Code    Code
	Message string
	// Column is the 1-based rune column of a syntax error, 0 otherwise.
	Column int
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("%s: %s (column %d)", e.Code, e.Message, e.Column)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, CodeInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the message of the first *Error in err's chain, and a
// generic text for other errors, whose details are for logs only.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
