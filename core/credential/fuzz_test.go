package credential_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/fake"
)

// FuzzPasswordPolicy: never panics; the length rule counts code points, and anything accepted is
// within 8–128 of them.
func FuzzPasswordPolicy(f *testing.F) {
	for _, seed := range []string{"SecurePass123!", "short", "weakweakweak", "ééééééééé", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8"} {
		f.Add(seed)
	}
	policy := credential.NewPolicy(fake.Meter{})
	f.Fuzz(func(t *testing.T, pw string) {
		err := policy.Check("password", pw, "user@example.com")
		n := utf8.RuneCountInString(pw)
		if err == nil && (n < credential.MinPasswordLen || n > credential.MaxPasswordLen) {
			t.Fatalf("accepted a password of %d code points", n)
		}
		var ve *user.ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Fatalf("non-validation error %v", err)
		}
	})
}
