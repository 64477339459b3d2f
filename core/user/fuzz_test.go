package user_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/authd/authd/core/user"
)

// FuzzNormalizeEmail: never panics; an accepted address has no ASCII capitals, is within RFC 5321's limits, and
// normalising it again changes nothing (so stored and looked-up forms always agree).
func FuzzNormalizeEmail(f *testing.F) {
	for _, seed := range []string{"user@example.com", " A@B.CO ", "mıke@example.com", "a@b", "x@y..z", `"q"@x.com`, "İ@example.com", "a\x00@b.com"} {
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
		again, err := user.NormalizeEmail("email", got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, got, again, err)
		}
	})
}

// FuzzProfile: never panics; an accepted phone is E.164 and accepted names are 1–100 characters.
func FuzzProfile(f *testing.F) {
	f.Add("John", "Doe", "bio", "+1234567890")
	f.Add("", " ", "", "12345")
	f.Add(strings.Repeat("x", 101), "é", strings.Repeat("b", 501), "+0")
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
	})
}
