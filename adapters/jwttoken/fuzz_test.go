package jwttoken

import (
	"errors"
	"testing"

	"github.com/authd/authd/core/credential"
)

// FuzzVerify: arbitrary input never panics and is never accepted, since it lacks our signature.
func FuzzVerify(f *testing.F) {
	c, err := New(Config{Secret: secret, Issuer: "authd"})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{"", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "eyJhbGciOiJIUzI1NiJ9.e30.x", "....", "eyJ"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if _, err := c.Verify(tok, credential.Access); !errors.Is(err, credential.ErrInvalidToken) {
			t.Fatalf("Verify(%q) = %v", tok, err)
		}
	})
}
