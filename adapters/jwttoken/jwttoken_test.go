package jwttoken

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	now    = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
)

func newCodec(t *testing.T) *Codec {
	t.Helper()
	c, err := New(Config{Secret: secret, Issuer: "authd", Leeway: 5 * time.Second, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func validClaims(kind credential.TokenKind) credential.Claims {
	return credential.Claims{Kind: kind, ID: "jti-1", Subject: "user-1", SessionID: "sess-1", IssuedAt: now, ExpiresAt: now.Add(time.Minute)}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	c := newCodec(t)
	for _, kind := range []credential.TokenKind{credential.Access, credential.Refresh} {
		tok, err := c.Sign(validClaims(kind))
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Verify(tok, kind)
		if err != nil {
			t.Fatalf("Verify(%s): %v", kind, err)
		}
		want := validClaims(kind)
		if got.ID != want.ID || got.Subject != want.Subject || got.SessionID != want.SessionID || !got.ExpiresAt.Equal(want.ExpiresAt) {
			t.Errorf("claims = %+v, want %+v", got, want)
		}
	}
}

func TestRolesClaim(t *testing.T) {
	t.Parallel()
	c := newCodec(t)
	for _, tc := range []struct {
		kind  credential.TokenKind
		roles []user.Role
		want  string // the raw claim
	}{
		{credential.Access, []user.Role{user.RoleAdmin}, `"roles":["admin"]`},
		{credential.Access, nil, `"roles":[]`},
		{credential.Refresh, []user.Role{user.RoleAdmin}, ""},
	} {
		cl := validClaims(tc.kind)
		cl.Roles = tc.roles
		tok, err := c.Sign(cl)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(string(payload), `"roles"`); tc.want == "" && has || tc.want != "" && !strings.Contains(string(payload), tc.want) {
			t.Errorf("%s token with roles %v: payload %s, want %q", tc.kind, tc.roles, payload, tc.want)
		}
		got, err := c.Verify(tok, tc.kind)
		if err != nil {
			t.Fatal(err)
		}
		want := tc.roles
		if tc.kind == credential.Refresh {
			want = nil
		}
		if !slices.Equal(got.Roles, want) {
			t.Errorf("%s token: roles %v, want %v", tc.kind, got.Roles, want)
		}
	}
}

func TestShortSecretRefused(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{Secret: []byte("short"), Issuer: "authd"}); err == nil {
		t.Fatal("a 5-byte secret was accepted")
	}
	if _, err := New(Config{Secret: secret, Issuer: "authd", Leeway: time.Minute}); err == nil {
		t.Fatal("a one-minute leeway was accepted")
	}
}

// sign makes a token with arbitrary header and claims, signed with key under method.
func sign(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, mc jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, mc)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func baseClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": "authd", "sub": "user-1", "jti": "j", "sid": "s", "token_type": "access",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
}

func with(mc jwt.MapClaims, k string, v any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for kk, vv := range mc {
		out[kk] = vv
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func TestRejectedTokens(t *testing.T) {
	t.Parallel()
	c := newCodec(t)
	good := sign(t, jwt.SigningMethodHS256, secret, nil, baseClaims())
	parts := strings.Split(good, ".")
	tamperedPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"authd","sub":"admin","jti":"j","sid":"s","token_type":"access","iat":1,"exp":99999999999}`))

	tests := map[string]string{
		"alg none":           sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, baseClaims()),
		"HS512":              sign(t, jwt.SigningMethodHS512, secret, nil, baseClaims()),
		"HS384":              sign(t, jwt.SigningMethodHS384, secret, nil, baseClaims()),
		"wrong key":          sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-32"), nil, baseClaims()),
		"tampered payload":   parts[0] + "." + tamperedPayload + "." + parts[2],
		"stripped signature": parts[0] + "." + parts[1] + ".",
		"missing exp":        sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "exp", nil)),
		"expired":            sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "exp", now.Add(-time.Minute).Unix())),
		"future nbf":         sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "nbf", now.Add(time.Minute).Unix())),
		"future iat":         sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "iat", now.Add(time.Minute).Unix())),
		"wrong iss":          sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "iss", "evil")),
		"missing iss":        sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "iss", nil)),
		"refresh as access":  sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "token_type", "refresh")),
		"missing type":       sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "token_type", nil)),
		"missing sid":        sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "sid", nil)),
		"missing sub":        sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "sub", nil)),
		"kid pointing at a file": sign(t, jwt.SigningMethodHS256, []byte("attacker-chosen-key-attacker-32b"),
			map[string]any{"kid": "../../dev/null"}, baseClaims()),
		"jku header": sign(t, jwt.SigningMethodHS256, []byte("attacker-chosen-key-attacker-32b"),
			map[string]any{"jku": "http://127.0.0.1:1/jwks.json"}, baseClaims()),
		"x5u header": sign(t, jwt.SigningMethodHS256, []byte("attacker-chosen-key-attacker-32b"),
			map[string]any{"x5u": "http://127.0.0.1:1/cert.pem"}, baseClaims()),
		"garbage":   "not.a.token",
		"empty":     "",
		"too long":  good + strings.Repeat("A", maxTokenLen),
		"two parts": parts[0] + "." + parts[1],
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := c.Verify(tok, credential.Access); !errors.Is(err, credential.ErrInvalidToken) {
				t.Fatalf("Verify = %v, want ErrInvalidToken", err)
			}
		})
	}
	if _, err := c.Verify(good, credential.Access); err != nil {
		t.Fatalf("the untampered token was rejected: %v", err)
	}
}

func TestLeeway(t *testing.T) {
	t.Parallel()
	c := newCodec(t)
	within := sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "exp", now.Add(-3*time.Second).Unix()))
	if _, err := c.Verify(within, credential.Access); err != nil {
		t.Errorf("token expired 3s ago rejected despite 5s leeway: %v", err)
	}
	beyond := sign(t, jwt.SigningMethodHS256, secret, nil, with(baseClaims(), "exp", now.Add(-10*time.Second).Unix()))
	if _, err := c.Verify(beyond, credential.Access); !errors.Is(err, credential.ErrInvalidToken) {
		t.Errorf("token expired 10s ago accepted with 5s leeway")
	}
}

func TestKeyURLsInHeadersAreNeverFetched(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	defer srv.Close()
	c := newCodec(t)
	attacker := []byte("attacker-chosen-key-attacker-32b")
	for _, header := range []map[string]any{
		{"jku": srv.URL + "/jwks.json"},
		{"x5u": srv.URL + "/cert.pem"},
		{"kid": srv.URL + "/key"},
		{"jku": srv.URL + "/jwks.json", "kid": "1", "x5u": srv.URL + "/c"},
	} {
		tok := sign(t, jwt.SigningMethodHS256, attacker, header, baseClaims())
		if _, err := c.Verify(tok, credential.Access); !errors.Is(err, credential.ErrInvalidToken) {
			t.Errorf("token with %v: %v, want ErrInvalidToken", header, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("verifying made %d outbound requests", n)
	}
}

// TestTheSameClaimsSignToTheSameToken holds what the refresh grace relies on: a pair re-signed
// from the claims of a refresh is the pair that refresh issued, byte for byte, with either algorithm.
func TestTheSameClaimsSignToTheSameToken(t *testing.T) {
	t.Parallel()
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*Codec{"HS256": newCodec(t), "EdDSA": edCodec(t, key)} {
		claims := validClaims(credential.Refresh)
		// A store keeps times to the millisecond at best; tokens carry seconds.
		again := claims
		again.IssuedAt, again.ExpiresAt = claims.IssuedAt.Add(400*time.Millisecond), claims.ExpiresAt.Add(400*time.Millisecond)
		a, err := c.Sign(claims)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Sign(again)
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Errorf("%s: the same claims signed to different tokens:\n%s\n%s", name, a, b)
		}
	}
}
