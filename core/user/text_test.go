package user_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/authd/authd/core/user"
)

// refusedRunes are code points no name, bio, email or phone number may hold, with the words the
// error must use. LF is here too: only a bio may hold it (TestTextRuleBioLineFeeds).
var refusedRunes = []struct {
	r    rune
	kind string
}{
	{0x07, "control"}, {0x09, "control"}, {0x0A, "control"}, {0x0B, "control"}, {0x0D, "control"},
	{0x1B, "control"}, {0x7F, "control"},
	{0x80, "control"}, {0x85, "control"}, {0x9B, "control"}, {0x9F, "control"},
	{0x00AD, "invisible"}, {0x061C, "invisible"}, {0x200E, "invisible"}, {0x200F, "invisible"},
	{0x202A, "invisible"}, {0x202B, "invisible"}, {0x202C, "invisible"}, {0x202D, "invisible"}, {0x202E, "invisible"},
	{0x2066, "invisible"}, {0x2067, "invisible"}, {0x2068, "invisible"}, {0x2069, "invisible"},
	{0x200B, "invisible"}, {0x200C, "invisible"}, {0x200D, "invisible"}, {0x2060, "invisible"}, {0xFEFF, "invisible"},
	{0x2061, "invisible"}, {0x2064, "invisible"}, {0x206A, "invisible"}, {0x206F, "invisible"},
	{0x180E, "invisible"}, {0x0600, "invisible"}, {0xFFF9, "invisible"}, {0xFFFB, "invisible"},
	{0x1D173, "invisible"}, {0xE0001, "invisible"}, {0xE0041, "invisible"}, {0xE007F, "invisible"},
	// Graphic by category but default-ignorable: fillers that render as nothing, selectors that smuggle bits.
	{0x034F, "invisible"}, {0x115F, "invisible"}, {0x1160, "invisible"}, {0x17B4, "invisible"},
	{0x3164, "invisible"}, {0xFFA0, "invisible"}, {0x180B, "invisible"}, {0xFE00, "invisible"}, {0xE0100, "invisible"},
	{0x2028, "separator"}, {0x2029, "separator"},
	{0xE000, "private-use"}, {0xF8FF, "private-use"}, {0xF0000, "private-use"}, {0x10FFFD, "private-use"},
	{0xFDD0, "noncharacter"}, {0xFFFE, "noncharacter"}, {0xFFFF, "noncharacter"}, {0x10FFFF, "noncharacter"},
	{0x0378, "unassigned"}, {0xE0080, "invisible"},
}

// refusedText are whole values the context rules refuse although each code point may appear
// elsewhere in a name or bio; idAt is the code point an email or phone number is refused at.
var refusedText = []struct {
	name     string
	s        string
	at, idAt rune
}{
	{"joiner between letters", "Ann\u200Da", 0x200D, 0x200D},
	{"joiner after an emoji, before a letter", "🙂\u200Da", 0x200D, 0x200D},
	{"joiner before an emoji, after a letter", "a\u200D🙂", 0x200D, 0x200D},
	{"joiner at the end", "Ann 🙂\u200D", 0x200D, 0x200D},
	{"two joiners", "👩\u200D\u200D💻", 0x200D, 0x200D},
	{"selector at the start", "\uFE0FAnn", 0xFE0F, 0xFE0F},
	{"selector after a space", "Ann \uFE0F", 0xFE0F, 0xFE0F},
	{"selector after a selector", "❤\uFE0F\uFE0F", 0xFE0F, 0xFE0F},
	{"selector after a mark", "e\u0301\uFE0E", 0xFE0E, 0xFE0E},
	{"tag sequence of a subdivision flag", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 0xE0067, 0xE0067},
	{"selectors smuggling bytes after an emoji", "🙂\uFE0F\U000E0100\U000E0101", 0xE0100, 0xFE0F},
	{"an emoji joined to nothing", "👩\u200D", 0x200D, 0x200D},
}

// acceptedNames stay valid in names and in a bio: accents, other scripts, spaces inside, emoji.
var acceptedNames = []string{
	"José", "Zoë", "Łukasz", "Ørsted", "O'Brien-Smith", "Mary Ann", "Mary\u00A0Ann", "Ελένη", "Дмитрий",
	"山田", "김민준", "محمد", "אביגיל", "अनुष्का", "ภูมิ", "Nguyễn",
	"🙂", "❤️", "1️⃣", "Ada 👩‍💻", "👩🏽‍💻", "🏳️‍🌈", "❤️‍🔥", "🧑‍🦰", "👁️‍🗨️", "👨‍👩‍👧‍👦", "🫱🏻‍🫲🏿", "🐻‍❄️",
}

type textField struct {
	name  string
	apply func(v string) error
}

func textFields() []textField {
	base := user.Profile{FirstName: "Ada", LastName: "Lovelace", Bio: str("old"), PhoneNumber: str("+441234567890")}
	patch := func(p user.ProfilePatch) error {
		got, err := base.Apply(p)
		if err != nil && !sameProfile(got, base) {
			return fmt.Errorf("failed Apply changed the profile to %+v", got)
		}
		return err
	}
	return []textField{
		{"first_name", func(v string) error { return patch(user.ProfilePatch{FirstName: &v}) }},
		{"last_name", func(v string) error { _, err := user.NewProfile("Ada", v); return err }},
		{"bio", func(v string) error { return patch(user.ProfilePatch{Bio: user.Optional{Set: true, Value: &v}}) }},
		{"phone_number", func(v string) error {
			return patch(user.ProfilePatch{PhoneNumber: user.Optional{Set: true, Value: &v}})
		}},
		{"email", func(v string) error { _, err := user.NormalizeEmail("email", v); return err }},
	}
}

// placements put a refused text where each field would otherwise accept it.
func placements(field, s string) []string {
	switch field {
	case "email":
		return []string{"a" + s + "b@example.com", s + "ab@example.com", "ab@example.com" + s, "ab@exa" + s + "mple.com"}
	case "phone_number":
		return []string{"+1234567890" + s, s + "+1234567890", "+12345" + s + "67890"}
	}
	return []string{"A" + s + "da", s + "Ada", "Ada" + s, " " + s + " "}
}

func wantRefused(t *testing.T, field, value string, err error, at rune, kind string) {
	t.Helper()
	var ve *user.ValidationError
	var many user.ValidationErrors
	if errors.As(err, &many) && len(many) == 1 {
		ve = many[0]
	}
	if ve == nil && !errors.As(err, &ve) {
		t.Errorf("%s %+q: err = %v, want an invalid value naming U+%04X", field, value, err, at)
		return
	}
	code := fmt.Sprintf("(U+%04X)", at)
	if ve.Field != field || ve.Kind != user.Invalid || !strings.Contains(ve.Msg, code) || !strings.Contains(ve.Msg, kind) {
		t.Errorf("%s %+q: error %q at %q of kind %q, want an invalid value at %s naming %s %s",
			field, value, ve.Msg, ve.Field, ve.Kind, field, kind, code)
	}
}

func TestTextRuleRefusesInvisibleAndControlCharacters(t *testing.T) {
	t.Parallel()
	for _, f := range textFields() {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			for _, tt := range refusedRunes {
				if tt.r == '\n' && f.name == "bio" {
					continue
				}
				for _, v := range placements(f.name, string(tt.r)) {
					wantRefused(t, f.name, v, f.apply(v), tt.r, tt.kind)
				}
			}
			for _, tt := range refusedText {
				if f.name == "email" || f.name == "phone_number" {
					for _, v := range placements(f.name, tt.s) {
						wantRefused(t, f.name, v, f.apply(v), tt.idAt, "invisible")
					}
					continue
				}
				// Context decides these, so each is the whole value, trimmed or not.
				for _, v := range []string{tt.s, " " + tt.s + " "} {
					wantRefused(t, f.name, v, f.apply(v), tt.at, "invisible")
				}
			}
			for _, v := range placements(f.name, "\xff") {
				if err := f.apply(v); err == nil || !strings.Contains(err.Error(), "invalid UTF-8") {
					t.Errorf("%s %+q: err = %v, want invalid UTF-8", f.name, v, err)
				}
			}
		})
	}
}

func TestTextRuleKeepsNamesInAnyScriptAndEmoji(t *testing.T) {
	t.Parallel()
	for _, name := range acceptedNames {
		p, err := user.NewProfile(name, "Lovelace")
		if err != nil || p.FirstName != name {
			t.Errorf("NewProfile(%+q) = %+v, %v; want it accepted as is", name, p, err)
		}
		bio := "I am " + name + ".\nSecond line."
		p, err = user.Profile{}.Apply(user.ProfilePatch{Bio: user.Optional{Set: true, Value: &bio}})
		if err != nil || *p.Bio != bio {
			t.Errorf("bio %+q: %v", bio, err)
		}
	}
}

func TestTextRuleBioLineFeeds(t *testing.T) {
	t.Parallel()
	for _, bio := range []string{"one\ntwo", "\n", "trailing\n", "para\n\npara", "\nleading"} {
		p, err := user.Profile{}.Apply(user.ProfilePatch{Bio: user.Optional{Set: true, Value: &bio}})
		if err != nil || *p.Bio != bio {
			t.Errorf("bio %+q = %v, %v; want it kept as is", bio, p.Bio, err)
		}
	}
	bio := "one\r\ntwo"
	_, err := user.Profile{}.Apply(user.ProfilePatch{Bio: user.Optional{Set: true, Value: &bio}})
	wantRefused(t, "bio", bio, err, '\r', "line feed (U+000A) alone")
}

func TestTextRuleKeepsInternationalEmails(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"josé@example.com", "mıke@example.com", "用户@example.com", "ünsal@bücher.example", " a@example.com\u00A0"} {
		if _, err := user.NormalizeEmail("email", in); err != nil {
			t.Errorf("NormalizeEmail(%+q) = %v, want it accepted", in, err)
		}
	}
	for _, in := range []string{"👩\u200D💻@example.com", "❤\uFE0F@example.com"} {
		_, err := user.NormalizeEmail("email", in)
		wantRefused(t, "email", in, err, []rune(in)[1], "invisible")
	}
}
