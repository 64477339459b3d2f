package user

import (
	"errors"
	"strings"
)

// ErrNotFound means no user matches the lookup.
var ErrNotFound = errors.New("user not found")

// ErrEmailTaken means another account already uses the normalised email.
var ErrEmailTaken = errors.New("email already registered")

// ErrNotDeleted means Eraser was asked to erase a user that is not deleted.
var ErrNotDeleted = errors.New("user is not deleted")

// ErrConflict means the user changed between read and write; the caller may retry.
var ErrConflict = errors.New("user was modified concurrently")

// Kind says, in the domain's words, what is wrong with a rejected value; adapters turn it into
// their clients' vocabulary.
type Kind string

// The kinds of ValidationError.
const (
	Invalid       Kind = "invalid"         // breaks a rule of its own: not an email, a control character
	TooShort      Kind = "too short"       // fewer characters than the rule allows
	TooLong       Kind = "too long"        // more characters than the rule allows
	Mismatch      Kind = "mismatch"        // a confirmation differs from what it confirms
	SameAsCurrent Kind = "same as current" // a new value that changes nothing
	TooWeak       Kind = "too weak"        // a password too easy to guess
)

// ValidationError says why one input value was rejected.
type ValidationError struct {
	Field string // empty means the input as a whole
	Kind  Kind
	Msg   string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// ValidationErrors collects every rejected value of one input, so a client sees all problems at once.
type ValidationErrors []*ValidationError

func (es ValidationErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return "invalid input: " + strings.Join(msgs, "; ")
}

// Err returns nil when es is empty, so callers can return it unconditionally.
func (es ValidationErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

func invalid(field string, kind Kind, msg string) *ValidationError {
	return &ValidationError{Field: field, Kind: kind, Msg: msg}
}
