package user

import (
	"errors"
	"strings"
)

// ErrNotFound means no user matches the lookup.
var ErrNotFound = errors.New("user not found")

// ErrEmailTaken means another account already uses the normalised email.
var ErrEmailTaken = errors.New("email already registered")

// ErrConflict means the user changed between read and write; the caller may retry.
var ErrConflict = errors.New("user was modified concurrently")

// Location names where in a request a rejected value came from.
type Location string

// Locations a ValidationError can point at.
const (
	InBody  Location = "body"
	InPath  Location = "path"
	InQuery Location = "query"
)

// Validation error types: stable snake_case words clients can switch on.
const (
	TypeMissing        = "missing"
	TypeValue          = "value_error"
	TypeStringType     = "string_type"
	TypeStringTooShort = "string_too_short"
	TypeStringTooLong  = "string_too_long"
	TypeExtraForbidden = "extra_forbidden"
	TypeJSONInvalid    = "json_invalid"
)

// ValidationError says why one input value was rejected.
type ValidationError struct {
	In    Location // empty means InBody
	Field string   // empty means the whole input at In
	Type  string
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

func invalid(field, typ, msg string) *ValidationError {
	return &ValidationError{Field: field, Type: typ, Msg: msg}
}
