package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// TestVerifyAgainstAPublishedKeySet serves a key set shaped like authd's and checks tokens against
// it through keyfunc, as the example does against a running authd.
func TestVerifyAgainstAPublishedKeySet(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x := base64.RawURLEncoding.EncodeToString(pub)
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`))
	kid := base64.RawURLEncoding.EncodeToString(sum[:])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{
			{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"},
		}})
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys, err := keyfunc.NewDefaultCtx(ctx, []string{srv.URL})
	if err != nil {
		t.Fatal(err)
	}

	sign := func(method jwt.SigningMethod, key any, kind string) string {
		now := time.Now()
		tok := jwt.NewWithClaims(method, jwt.MapClaims{
			"iss": "authd", "sub": "65f1c0ffee0123456789abcd", "sid": "s", "jti": "j", "token_type": kind,
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		})
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if c, err := Verify(sign(jwt.SigningMethodEdDSA, priv, "access"), keys.Keyfunc, "authd"); err != nil || c.Subject != "65f1c0ffee0123456789abcd" {
		t.Fatalf("a good token: %v", err)
	}
	for name, tok := range map[string]string{
		"refresh token":       sign(jwt.SigningMethodEdDSA, priv, "refresh"),
		"HS256 keyed with x":  sign(jwt.SigningMethodHS256, []byte(x), "access"),
		"another Ed25519 key": sign(jwt.SigningMethodEdDSA, ed25519.NewKeyFromSeed(make([]byte, 32)), "access"),
	} {
		if _, err := Verify(tok, keys.Keyfunc, "authd"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Verify(sign(jwt.SigningMethodEdDSA, priv, "access"), keys.Keyfunc, "someone-else"); err == nil {
		t.Error("a token of another issuer was accepted")
	}
}
