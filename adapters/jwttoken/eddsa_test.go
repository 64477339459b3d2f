package jwttoken

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/core/credential"
)

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func edCodec(t *testing.T, keys ...ed25519.PrivateKey) *Codec {
	t.Helper()
	c, err := New(Config{Alg: EdDSA, Keys: keys, Issuer: "authd", Leeway: 5 * time.Second, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func kidOf(k ed25519.PrivateKey) string { return Thumbprint(k.Public().(ed25519.PublicKey)) }

func TestEdDSA(t *testing.T) {
	t.Parallel()
	old, current, stranger := newKey(t), newKey(t), newKey(t)
	before := edCodec(t, old)
	after := edCodec(t, old, current)
	hs := newCodec(t)
	signed := func(c *Codec) string {
		tok, err := c.Sign(validClaims(credential.Access))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	withKid := func(kid string) map[string]any { return map[string]any{"kid": kid} }

	tests := []struct {
		name   string
		codec  *Codec
		token  string
		accept bool
	}{
		{"round trip", after, signed(after), true},
		{"signed by the older key before rotation", after, signed(before), true},
		{"the older key alone still verifies its own tokens", before, signed(before), true},
		{"signed by the newer key, verifier without it", before, signed(after), false},
		{"unknown kid", after, sign(t, jwt.SigningMethodEdDSA, stranger, withKid(kidOf(stranger)), baseClaims()), false},
		{"a stranger's key under a known kid", after, sign(t, jwt.SigningMethodEdDSA, stranger, withKid(kidOf(current)), baseClaims()), false},
		{"no kid", after, sign(t, jwt.SigningMethodEdDSA, current, nil, baseClaims()), false},
		{"kid that is not a string", after, sign(t, jwt.SigningMethodEdDSA, current, map[string]any{"kid": 7}, baseClaims()), false},
		{"known kid with a jku", after, sign(t, jwt.SigningMethodEdDSA, current,
			map[string]any{"kid": kidOf(current), "jku": "http://127.0.0.1:1/jwks.json"}, baseClaims()), true},
		{"HS256 token where EdDSA is configured", after, signed(hs), false},
		{"HS256 keyed with the public key", after, sign(t, jwt.SigningMethodHS256, []byte(current.Public().(ed25519.PublicKey)),
			withKid(kidOf(current)), baseClaims()), false},
		{"EdDSA token where HS256 is configured", hs, signed(after), false},
		{"EdDSA token without kid where HS256 is configured", hs, sign(t, jwt.SigningMethodEdDSA, current, nil, baseClaims()), false},
		{"HS256 token with a kid", hs, sign(t, jwt.SigningMethodHS256, secret, withKid("x"), baseClaims()), false},
		{"alg none with a known kid", after, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, withKid(kidOf(current)), baseClaims()), false},
		{"expired", after, sign(t, jwt.SigningMethodEdDSA, current, withKid(kidOf(current)),
			with(baseClaims(), "exp", now.Add(-time.Minute).Unix())), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.codec.Verify(tt.token, credential.Access)
			switch {
			case tt.accept && err != nil:
				t.Fatalf("rejected: %v", err)
			case !tt.accept && !errors.Is(err, credential.ErrInvalidToken):
				t.Fatalf("Verify = %v, want ErrInvalidToken", err)
			}
		})
	}
}

func TestNewestKeySignsWithItsKid(t *testing.T) {
	t.Parallel()
	old, current := newKey(t), newKey(t)
	tok, err := edCodec(t, old, current).Sign(validClaims(credential.Refresh))
	if err != nil {
		t.Fatal(err)
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Header["kid"] != kidOf(current) || parsed.Header["alg"] != EdDSA {
		t.Errorf("header = %v, want alg EdDSA and the newest key's kid %s", parsed.Header, kidOf(current))
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	if got := newCodec(t).JWKS(); got.Keys == nil || len(got.Keys) != 0 {
		t.Errorf("HS256 JWKS = %#v, want an empty, non-nil key list", got)
	}
	old, current := newKey(t), newKey(t)
	set := edCodec(t, old, current).JWKS()
	if len(set.Keys) != 2 || set.Keys[0].Kid != kidOf(current) || set.Keys[1].Kid != kidOf(old) {
		t.Fatalf("JWKS = %+v, want the signing key first, then the older one", set)
	}
	for _, k := range set.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Use != "sig" || k.Alg != "EdDSA" || len(k.X) != 43 {
			t.Errorf("JWK = %+v", k)
		}
	}
}

// TestThumbprint checks the kid against the Ed25519 example of RFC 8037 appendix A.3.
func TestThumbprint(t *testing.T) {
	t.Parallel()
	x := []byte{
		0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
		0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
	}
	if got, want := Thumbprint(x), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"; got != want {
		t.Errorf("Thumbprint = %s, want %s", got, want)
	}
}

func TestEdDSAConfigRefused(t *testing.T) {
	t.Parallel()
	k := newKey(t)
	for name, cfg := range map[string]Config{
		"no keys":         {Alg: EdDSA, Issuer: "authd"},
		"the same key":    {Alg: EdDSA, Keys: []ed25519.PrivateKey{k, k}, Issuer: "authd"},
		"truncated key":   {Alg: EdDSA, Keys: []ed25519.PrivateKey{k[:10]}, Issuer: "authd"},
		"other algorithm": {Alg: "RS256", Secret: secret, Issuer: "authd"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
