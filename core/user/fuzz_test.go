package user_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/authd/authd/core/user"
)

// FuzzNormalizeEmail: never panics; an accepted address has no ASCII capitals, is within RFC 5321's limits,
// holds only visible characters, and normalising it again changes nothing (so stored and looked-up forms
// always agree).
func FuzzNormalizeEmail(f *testing.F) {
	for _, seed := range []string{
		"user@example.com", " A@B.CO ", "mıke@example.com", "a@b", "x@y..z", `"q"@x.com`, "İ@example.com", "a\x00@b.com",
		"josé@example.com", "a\u200Bb@example.com", "a\u200Db@example.com", "\uFEFFa@example.com", "a\u00ADb@example.com",
		"a\u202Eb@example.com", "❤\uFE0F@example.com", "a@example.com\n", "a\u3164@example.com",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := user.NormalizeEmail("email", in)
		if err != nil {
			return
		}
		if strings.ContainsAny(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") || utf8.RuneCountInString(got) > 254 || !strings.Contains(got, "@") {
			t.Fatalf("NormalizeEmail(%q) = %q", in, got)
		}
		if r, ok := invisible(in, false); ok {
			t.Fatalf("NormalizeEmail(%q) accepted U+%04X", in, r)
		}
		again, err := user.NormalizeEmail("email", got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, got, again, err)
		}
	})
}

// FuzzProfile: never panics; an accepted phone is E.164, accepted names are 1–100 characters, and no accepted
// name or bio holds a control (but a bio's line feeds), a format character (but a joiner), a separator, a
// private-use, unassigned or noncharacter code point.
func FuzzProfile(f *testing.F) {
	f.Add("John", "Doe", "bio", "+1234567890")
	f.Add("", " ", "", "12345")
	f.Add(strings.Repeat("x", 101), "é", strings.Repeat("b", 501), "+0")
	f.Add("A\x1bda", "Love\u202Elace", "one\ntwo\r\n", "+1234567890\n")
	f.Add("👩\u200D💻", "a\u200Db", "❤\uFE0F\u200D🔥\u2028", "+1234567890\u2028")
	f.Add("\u3164", "\u00AD", "\U000E0041\uFE0F", "\u0085+1234567890")
	f.Fuzz(func(t *testing.T, first, last, bio, phone string) {
		p, err := user.Profile{}.Apply(user.ProfilePatch{
			FirstName: &first, LastName: &last,
			Bio: user.Optional{Set: true, Value: &bio}, PhoneNumber: user.Optional{Set: true, Value: &phone},
		})
		if err != nil {
			return
		}
		for _, name := range []string{p.FirstName, p.LastName} {
			if n := utf8.RuneCountInString(name); n < 1 || n > user.MaxNameLen || strings.TrimSpace(name) != name {
				t.Fatalf("accepted name %q", name)
			}
		}
		ph := *p.PhoneNumber
		if len(ph) < 3 || len(ph) > 16 || ph[0] != '+' || ph[1] == '0' {
			t.Fatalf("accepted phone %q", ph)
		}
		if utf8.RuneCountInString(*p.Bio) > user.MaxBioLen {
			t.Fatalf("accepted bio of %d characters", utf8.RuneCountInString(*p.Bio))
		}
		for _, s := range []string{first, last, phone} {
			if r, ok := invisible(s, true); ok || strings.ContainsRune(s, '\n') {
				t.Fatalf("accepted %q with U+%04X", s, r)
			}
		}
		if r, ok := invisible(bio, true); ok {
			t.Fatalf("accepted bio %q with U+%04X", bio, r)
		}
	})
}

// invisible returns a code point of s that no name, bio or email may hold, judged by the general
// categories alone: an independent, looser restatement of the text rule.
func invisible(s string, joiners bool) (rune, bool) {
	if !utf8.ValidString(s) {
		return utf8.RuneError, true
	}
	for _, r := range s {
		switch {
		case joiners && (r == '\n' || r == 0x200D || r == 0xFE0F || r == 0xFE0E):
		case !unicode.IsGraphic(r), unicode.Is(unicode.Variation_Selector, r), unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
			return r, true
		}
	}
	return 0, false
}
