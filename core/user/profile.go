package user

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Profile limits.
const (
	MaxNameLen = 100
	MaxBioLen  = 500
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// Profile is what a user tells about themselves.
type Profile struct {
	FirstName   string
	LastName    string
	Bio         *string
	PhoneNumber *string
}

// Optional is a patch value that distinguishes "leave unchanged" (Set false) from "clear" (Set true, Value nil).
type Optional struct {
	Set   bool
	Value *string
}

// ProfilePatch is a partial profile update; a nil name means unchanged.
type ProfilePatch struct {
	FirstName   *string
	LastName    *string
	Bio         Optional
	PhoneNumber Optional
}

// Apply validates the patch against p and returns the patched profile, or every reason it can't be applied.
func (p Profile) Apply(patch ProfilePatch) (Profile, error) {
	var errs ValidationErrors
	out := p
	if patch.FirstName != nil {
		name, err := parseName("first_name", *patch.FirstName)
		errs = appendErr(errs, err)
		out.FirstName = name
	}
	if patch.LastName != nil {
		name, err := parseName("last_name", *patch.LastName)
		errs = appendErr(errs, err)
		out.LastName = name
	}
	if patch.Bio.Set {
		out.Bio = nil
		if patch.Bio.Value != nil {
			if utf8.RuneCountInString(*patch.Bio.Value) > MaxBioLen {
				errs = append(errs, invalid("bio", TooLong, "String should have at most 500 characters"))
			} else if fault := textFault(*patch.Bio.Value, multilineText); fault != "" {
				errs = append(errs, invalid("bio", Invalid, "String must not contain "+fault))
			}
			bio := *patch.Bio.Value
			out.Bio = &bio
		}
	}
	if patch.PhoneNumber.Set {
		out.PhoneNumber = nil
		if patch.PhoneNumber.Value != nil {
			phone := strings.TrimSpace(*patch.PhoneNumber.Value)
			if fault := textFault(*patch.PhoneNumber.Value, identifierText); fault != "" {
				errs = append(errs, invalid("phone_number", Invalid, "String must not contain "+fault))
			} else if !e164.MatchString(phone) {
				errs = append(errs, invalid("phone_number", Invalid, "value is not a valid E.164 phone number (for example +1234567890)"))
			}
			out.PhoneNumber = &phone
		}
	}
	if err := errs.Err(); err != nil {
		return p, err
	}
	return out, nil
}

// NewProfile validates the names a new user registers with.
func NewProfile(firstName, lastName string) (Profile, error) {
	return Profile{}.Apply(ProfilePatch{FirstName: &firstName, LastName: &lastName})
}

// parseName trims surrounding spaces from a name. The text rule sees the name as sent, so a tab or
// line break around it is refused rather than silently dropped: a name has no controls at all.
func parseName(field, raw string) (string, error) {
	name := strings.TrimSpace(raw)
	n := utf8.RuneCountInString(name)
	if n > MaxNameLen {
		return "", invalid(field, TooLong, "String should have at most 100 characters")
	}
	if fault := textFault(raw, lineText); fault != "" {
		return "", invalid(field, Invalid, "String must not contain "+fault)
	}
	if n == 0 {
		return "", invalid(field, TooShort, "String should have at least 1 character")
	}
	return name, nil
}

func appendErr(errs ValidationErrors, err error) ValidationErrors {
	if err == nil {
		return errs
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return append(errs, ve)
	}
	return append(errs, invalid("", Invalid, err.Error()))
}
