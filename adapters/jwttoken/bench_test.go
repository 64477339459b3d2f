package jwttoken

import (
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
)

func benchCodec(b *testing.B) *Codec {
	b.Helper()
	c, err := New(Config{Secret: secret, Issuer: "authd", Leeway: 5 * time.Second, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkSign is the signing half of every login and refresh (each signs two tokens).
func BenchmarkSign(b *testing.B) {
	c := benchCodec(b)
	claims := validClaims(credential.Access)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Sign(claims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is the token check every authenticated request starts with.
func BenchmarkVerify(b *testing.B) {
	c := benchCodec(b)
	tok, err := c.Sign(validClaims(credential.Access))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Verify(tok, credential.Access); err != nil {
			b.Fatal(err)
		}
	}
}
