package credential

import (
	"unicode/utf8"

	"github.com/authd/authd/core/user"
)

// Password limits: NIST SP 800-63B asks for at least 8 and for accepting at least 64.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
	MinScore       = 3
)

// Policy decides which passwords are acceptable.
type Policy struct {
	meter StrengthMeter
}

// NewPolicy returns a Policy that rejects passwords meter scores below MinScore.
func NewPolicy(meter StrengthMeter) Policy {
	return Policy{meter: meter}
}

// CheckLength rejects passwords outside the length limits; it is cheap, so it runs before anything that hashes.
func CheckLength(field, password string) error {
	switch n := utf8.RuneCountInString(password); {
	case n < MinPasswordLen:
		return &user.ValidationError{Field: field, Type: user.TypeStringTooShort, Msg: "String should have at least 8 characters"}
	case n > MaxPasswordLen:
		return &user.ValidationError{Field: field, Type: user.TypeStringTooLong, Msg: "String should have at most 128 characters"}
	}
	return nil
}

// Check applies length limits and the strength meter, with what the user is known by as context.
func (p Policy) Check(field, password string, userInputs ...string) error {
	if err := CheckLength(field, password); err != nil {
		return err
	}
	s := p.meter.Strength(password, userInputs)
	if s.Score >= MinScore {
		return nil
	}
	msg := "password is too easy to guess"
	if s.Feedback != "" {
		msg += ": " + s.Feedback
	}
	return &user.ValidationError{Field: field, Type: "password_too_weak", Msg: msg}
}
