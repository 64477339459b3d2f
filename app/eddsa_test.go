package app_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/adapters/jwttoken"
	"github.com/authd/authd/test/harness"
)

// client is a tiny JSON client for one running service.
type client struct {
	t    *testing.T
	base string
}

func (c client) do(method, path, bearer string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, data
}

type tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

func (c client) login(email string) tokens {
	c.t.Helper()
	status, body := c.do(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": "SecurePass123!"})
	var tok tokens
	if err := json.Unmarshal(body, &tok); status != http.StatusOK || err != nil {
		c.t.Fatalf("login: %d %s", status, body)
	}
	return tok
}

func (c client) jwks() jwttoken.JWKSet {
	c.t.Helper()
	status, body := c.do(http.MethodGet, "/.well-known/jwks.json", "", nil)
	var set jwttoken.JWKSet
	if err := json.Unmarshal(body, &set); status != http.StatusOK || err != nil {
		c.t.Fatalf("jwks: %d %s", status, body)
	}
	return set
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := parsed.Header["kid"].(string)
	return kid
}

// verifyExternally checks token the way a resource server would: with nothing but the published key
// set, taking the key its kid names and allowing EdDSA only.
func verifyExternally(set jwttoken.JWKSet, token string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(tok *jwt.Token) (any, error) {
		for _, k := range set.Keys {
			if k.Kid == tok.Header["kid"] && k.Kty == "OKP" && k.Crv == "Ed25519" {
				x, err := base64.RawURLEncoding.DecodeString(k.X)
				if err != nil || len(x) != ed25519.PublicKeySize {
					return nil, errors.New("malformed x")
				}
				return ed25519.PublicKey(x), nil
			}
		}
		return nil, errors.New("no published key has this kid")
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer("authd"))
	return claims, err
}

func TestEdDSATokensVerifyWithThePublishedKeysAcrossRotation(t *testing.T) {
	c := harness.Config(t)
	c.JWTAlg, c.JWTSecret = "EdDSA", ""
	svc := harness.Start(t, c)
	api := client{t, svc.URL}
	if status, body := api.do(http.MethodPost, "/api/v1/auth/register", "", map[string]string{
		"email": "eddsa@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
		"first_name": "Ed", "last_name": "Dsa",
	}); status != http.StatusCreated {
		t.Fatalf("register: %d %s", status, body)
	}
	before := api.login("eddsa@example.com")
	oldKid := kidOf(t, before.Access)
	set := api.jwks()
	if oldKid == "" || len(set.Keys) != 1 || set.Keys[0].Kid != oldKid {
		t.Fatalf("token kid %q, published %+v: want one key with the token's kid", oldKid, set)
	}
	claims, err := verifyExternally(set, before.Access)
	if err != nil || claims["token_type"] != "access" || claims["sub"] == "" {
		t.Fatalf("external verification: %v (claims %v)", err, claims)
	}

	keysDir := filepath.Join(c.DataDir, "jwt-keys")
	files, _ := filepath.Glob(filepath.Join(keysDir, "*.pem"))
	if len(files) != 1 {
		t.Fatalf("generated key files = %v, want one", files)
	}
	if info, err := os.Stat(files[0]); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("generated key: %v, want mode 0600", err)
	}

	// Rotate: a newer key joins the directory and the service restarts on the same data.
	svc.Stop()
	if _, err := jwttoken.GenerateKey(keysDir, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	svc = harness.Start(t, c)
	api = client{t, svc.URL}

	if status, body := api.do(http.MethodGet, "/api/v1/users/me", before.Access, nil); status != http.StatusOK {
		t.Errorf("an access token of the older key after rotation: %d %s", status, body)
	}
	after := api.login("eddsa@example.com")
	newKid := kidOf(t, after.Access)
	if newKid == "" || newKid == oldKid {
		t.Errorf("after rotation the token kid is %q, want the new key's, not %q", newKid, oldKid)
	}
	set = api.jwks()
	if len(set.Keys) != 2 || set.Keys[0].Kid != newKid || set.Keys[1].Kid != oldKid {
		t.Errorf("published keys %+v, want the new signing key first and the older one still there", set.Keys)
	}
	for name, tok := range map[string]string{"older": before.Access, "newer": after.Access} {
		if _, err := verifyExternally(set, tok); err != nil {
			t.Errorf("external verification of the %s token: %v", name, err)
		}
	}
	status, body := api.do(http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": before.Refresh})
	var refreshed tokens
	if err := json.Unmarshal(body, &refreshed); status != http.StatusOK || err != nil {
		t.Fatalf("a refresh token of the older key after rotation: %d %s", status, body)
	}
	if kidOf(t, refreshed.Access) != newKid {
		t.Error("refreshing after rotation did not sign with the new key")
	}
}
