// Package zxcvbnmeter estimates password strength with zxcvbn (github.com/trustelem/zxcvbn) and
// explains a low score the way zxcvbn's reference feedback does.
package zxcvbnmeter

import (
	"strings"
	"unicode"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/match"

	"github.com/authd/authd/core/credential"
)

// Meter is a credential.StrengthMeter.
type Meter struct{}

// Strength scores password, treating the user's email and names as known to an attacker.
func (Meter) Strength(password string, userInputs []string) credential.Strength {
	var inputs []string
	for _, in := range userInputs {
		// An email's local part and domain labels are guessable words on their own.
		inputs = append(inputs, strings.ToLower(in))
		inputs = append(inputs, strings.FieldsFunc(strings.ToLower(in), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})...)
	}
	res := zxcvbn.PasswordStrength(password, inputs)
	s := credential.Strength{Score: res.Score}
	if res.Score < credential.MinScore {
		s.Feedback = feedback(res.Sequence)
	}
	return s
}

const addWords = "add another word or two; uncommon words are better"

// feedback explains the longest guessable part of the password, after zxcvbn's feedback.coffee.
func feedback(seq []*match.Match) string {
	var longest *match.Match
	for _, m := range seq {
		if longest == nil || len(m.Token) > len(longest.Token) {
			longest = m
		}
	}
	if longest == nil {
		return "use a few words, avoid common phrases; " + addWords
	}
	warning := ""
	switch longest.Pattern {
	case "dictionary":
		warning = dictionaryWarning(longest, len(seq) == 1)
	case "spatial":
		warning = "short keyboard patterns are easy to guess"
		if longest.Turns == 1 {
			warning = "straight rows of keys are easy to guess"
		}
	case "repeat":
		warning = `repeats like "aaa" or "abcabcabc" are easy to guess`
	case "sequence":
		warning = "sequences like abc or 6543 are easy to guess"
	case "regex":
		warning = "recent years are easy to guess"
	case "date":
		warning = "dates are often easy to guess"
	}
	tips := []string{addWords}
	if longest.Pattern == "dictionary" {
		if w := longest.Token; len(w) > 1 && unicode.IsUpper(rune(w[0])) {
			tips = append(tips, "capitalisation doesn't help very much")
		}
		if longest.Reversed {
			tips = append(tips, "reversed words aren't much harder to guess")
		}
		if longest.L33t {
			tips = append(tips, "predictable substitutions like '@' instead of 'a' don't help very much")
		}
	}
	if warning == "" {
		return strings.Join(tips, "; ")
	}
	return warning + "; " + strings.Join(tips, "; ")
}

func dictionaryWarning(m *match.Match, soleMatch bool) string {
	switch m.DictionaryName {
	case "passwords":
		switch {
		case soleMatch && !m.L33t && !m.Reversed && m.Rank <= 10:
			return "this is a top-10 common password"
		case soleMatch && !m.L33t && !m.Reversed && m.Rank <= 100:
			return "this is a top-100 common password"
		case soleMatch:
			return "this is a very common password"
		}
		return "this is similar to a commonly used password"
	case "user_inputs":
		return "it contains your name or email address"
	case "english_wikipedia", "us_tv_and_film":
		if soleMatch {
			return "a word by itself is easy to guess"
		}
	case "surnames", "male_names", "female_names":
		if soleMatch {
			return "names and surnames by themselves are easy to guess"
		}
		return "common names and surnames are easy to guess"
	}
	return ""
}
