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
	// MaxScoredLen is how many leading characters of a password the strength meter sees. zxcvbn's
	// matchers are super-linear: a 128-character password of l33t symbols costs it 0.4–1.4 s of CPU,
	// its first 32 characters at most ~20 ms, less than the hash of a login. A password whose first
	// 32 characters are guessable is refused even if more follows, which only errs on the safe side.
	MaxScoredLen = 32
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
		return &user.ValidationError{Field: field, Kind: user.TooShort, Msg: "String should have at least 8 characters"}
	case n > MaxPasswordLen:
		return &user.ValidationError{Field: field, Kind: user.TooLong, Msg: "String should have at most 128 characters"}
	}
	return nil
}

// Check applies length limits and the strength meter, with what the user is known by as context.
func (p Policy) Check(field, password string, userInputs ...string) error {
	if err := CheckLength(field, password); err != nil {
		return err
	}
	s := p.meter.Strength(scoredPrefix(password), userInputs)
	if s.Score >= MinScore {
		return nil
	}
	msg := "password is too easy to guess"
	if s.Feedback != "" {
		msg += ": " + s.Feedback
	}
	return &user.ValidationError{Field: field, Kind: user.TooWeak, Msg: msg}
}

// scoredPrefix is the part of password the meter scores: its first MaxScoredLen characters.
func scoredPrefix(password string) string {
	n := 0
	for i := range password {
		if n == MaxScoredLen {
			return password[:i]
		}
		n++
	}
	return password
}
