package ownership

import (
	"errors"
	"fmt"

	"github.com/whoowns/whoowns/internal/rich"
)

// Error codes. Adapters map them to replies; the message is always safe to
// show to a user, and an internal error never reaches a chat verbatim.
const (
	ErrInvalid     = "invalid"     // the user's input is wrong; Message says how to fix it
	ErrNotFound    = "not_found"   // a named team, role, intent or user does not exist
	ErrForbidden   = "forbidden"   // only leads may do this
	ErrConflict    = "conflict"    // concurrent changes kept colliding
	ErrUnavailable = "unavailable" // the store cannot be reached right now
	ErrRateLimited = "rate_limited"
	ErrInternal    = "internal"
)

// Error is a domain error with a code and a message fit for a user.
type Error struct {
	Code string
	// Message is the message as plain text, for logs and the command line.
	Message string
	// Text is the message as typed parts for chat renderers; when it is
	// empty the message is Message, as plain text.
	Text rich.Text
	// Err is the underlying cause, for logs only.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted user-safe message. It formats
// like rich.Sprintf: format is a constant of ours, rich arguments (a command,
// a mention) keep their type and every other argument is plain text.
func Errorf(code, format string, args ...any) *Error {
	t := rich.Sprintf(format, args...)
	return &Error{Code: code, Message: t.String(), Text: t}
}

// Unavailable wraps a backend failure; the user sees a fixed message.
func Unavailable(err error) *Error {
	return &Error{Code: ErrUnavailable, Message: "Ownership data is briefly unavailable. Please try again shortly.", Err: err}
}

// ErrorCode returns the code of err, ErrInternal for a foreign error and ""
// for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal
}

// internalMessage is what a user sees of an error that is not ours to explain.
const internalMessage = "Something went wrong on my side; the team that runs whoowns has been told."

// ErrorMessage returns the user-safe message of err as plain text, for logs
// and the command line; a foreign error yields a generic message so that
// internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return internalMessage
}

// ErrorText returns the user-safe message of err as typed text, for chat
// replies; a foreign error yields the generic message.
func ErrorText(err error) rich.Text {
	var e *Error
	if err == nil {
		return nil
	} else if errors.As(err, &e) {
		if len(e.Text) > 0 {
			return e.Text
		}
		return rich.Plain(e.Message)
	}
	return rich.Plain(internalMessage)
}
