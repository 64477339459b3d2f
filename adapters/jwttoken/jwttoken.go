// Package jwttoken signs and verifies the service's tokens as JWTs (github.com/golang-jwt/jwt/v5),
// with one HS256 secret or with a set of Ed25519 keys whose public halves it publishes as a JWKS.
package jwttoken

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// MinSecretLen is the shortest HS256 key accepted: RFC 7518 asks for a key as long as the hash output.
const MinSecretLen = 32

// maxTokenLen refuses absurd inputs before any parsing work; real tokens are a few hundred bytes.
const maxTokenLen = 4096

// Algorithms a Codec signs with; it verifies only tokens of the one it is configured with.
const (
	HS256 = "HS256" // one shared secret; tokens carry no kid
	EdDSA = "EdDSA" // Ed25519 key pairs; tokens carry the kid of the key that signed them
)

// Config configures a Codec.
type Config struct {
	Alg    string // HS256 (the default when empty) or EdDSA
	Secret []byte // the HS256 key
	// Keys are the EdDSA keys, oldest first: the last one signs, every one verifies, so adding a
	// newer key logs nobody out.
	Keys   []ed25519.PrivateKey
	Issuer string
	Leeway time.Duration // clock skew tolerated on exp/nbf/iat, at most 30s
	Now    func() time.Time
}

// Codec is a credential.TokenCodec for HS256 or EdDSA JWTs.
type Codec struct {
	method  jwt.SigningMethod
	signKey any    // []byte for HS256, ed25519.PrivateKey for EdDSA
	kid     string // of signKey; empty for HS256
	verify  map[string]any
	jwks    JWKSet
	issuer  string
	parser  *jwt.Parser
}

type claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
	TokenType string `json:"token_type"`
	// Roles is on access tokens only, [] for an account without any: what the account held when
	// the token was issued, for clients to read. The service re-reads them on every request.
	Roles *[]string `json:"roles,omitempty"`
}

// New returns a Codec; it refuses HS256 secrets shorter than MinSecretLen and EdDSA without keys.
func New(cfg Config) (*Codec, error) {
	if cfg.Leeway < 0 || cfg.Leeway > 30*time.Second {
		return nil, fmt.Errorf("jwttoken: leeway %s is outside 0..30s", cfg.Leeway)
	}
	c := &Codec{issuer: cfg.Issuer, verify: map[string]any{}, jwks: JWKSet{Keys: []JWK{}}}
	switch cfg.Alg {
	case HS256, "":
		if len(cfg.Secret) < MinSecretLen {
			return nil, fmt.Errorf("jwttoken: secret is %d bytes, need at least %d", len(cfg.Secret), MinSecretLen)
		}
		// The one secret is filed under the empty kid, so a token naming any kid finds no key.
		c.method, c.signKey, c.verify[""] = jwt.SigningMethodHS256, cfg.Secret, cfg.Secret
	case EdDSA:
		if err := c.useEd25519(cfg.Keys); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("jwttoken: algorithm %q: want %s or %s", cfg.Alg, HS256, EdDSA)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{c.method.Alg()}),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
	}
	if cfg.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(cfg.Now))
	}
	c.parser = jwt.NewParser(opts...)
	return c, nil
}

// useEd25519 files every key under its thumbprint and signs with the last one.
func (c *Codec) useEd25519(keys []ed25519.PrivateKey) error {
	if len(keys) == 0 {
		return errors.New("jwttoken: EdDSA needs at least one Ed25519 key")
	}
	// Newest first in the published set: a naive client that takes the first key gets the signing one.
	for i := len(keys) - 1; i >= 0; i-- {
		k := keys[i]
		if len(k) != ed25519.PrivateKeySize {
			return fmt.Errorf("jwttoken: key %d is not an Ed25519 private key", i+1)
		}
		pub, _ := k.Public().(ed25519.PublicKey)
		kid := Thumbprint(pub)
		if _, dup := c.verify[kid]; dup {
			return fmt.Errorf("jwttoken: key %s is configured twice", kid)
		}
		c.verify[kid] = pub
		c.jwks.Keys = append(c.jwks.Keys, publicJWK(pub, kid))
	}
	c.method, c.signKey, c.kid = jwt.SigningMethodEdDSA, keys[len(keys)-1], c.jwks.Keys[0].Kid
	return nil
}

// Sign implements credential.TokenCodec.
func (c *Codec) Sign(cl credential.Claims) (string, error) {
	tok := jwt.NewWithClaims(c.method, claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    c.issuer,
			Subject:   cl.Subject,
			ID:        cl.ID,
			IssuedAt:  jwt.NewNumericDate(cl.IssuedAt),
			NotBefore: jwt.NewNumericDate(cl.IssuedAt),
			ExpiresAt: jwt.NewNumericDate(cl.ExpiresAt),
		},
		SessionID: cl.SessionID,
		TokenType: string(cl.Kind),
		Roles:     roleNames(cl),
	})
	if c.kid != "" {
		tok.Header["kid"] = c.kid
	}
	s, err := tok.SignedString(c.signKey)
	if err != nil {
		return "", fmt.Errorf("jwttoken: sign: %w", err)
	}
	return s, nil
}

// Verify implements credential.TokenCodec. Only the configured algorithm is accepted, and the kid
// header only selects among the configured keys; jku, x5u and embedded keys are never consulted, so
// a token can't bring its own key.
func (c *Codec) Verify(token string, kind credential.TokenKind) (credential.Claims, error) {
	if len(token) > maxTokenLen {
		return credential.Claims{}, fmt.Errorf("token longer than %d bytes: %w", maxTokenLen, credential.ErrInvalidToken)
	}
	if err := canonicalSegments(token); err != nil {
		return credential.Claims{}, fmt.Errorf("%w: %w", credential.ErrInvalidToken, err)
	}
	var cl claims
	_, err := c.parser.ParseWithClaims(token, &cl, c.key)
	if err != nil {
		return credential.Claims{}, fmt.Errorf("%w: %w", credential.ErrInvalidToken, err)
	}
	if cl.TokenType != string(kind) {
		return credential.Claims{}, fmt.Errorf("%s token where %s was expected: %w", cl.TokenType, kind, credential.ErrInvalidToken)
	}
	if cl.Subject == "" || cl.SessionID == "" || cl.ID == "" || cl.IssuedAt == nil {
		return credential.Claims{}, fmt.Errorf("token lacks sub, sid, jti or iat: %w", credential.ErrInvalidToken)
	}
	out := credential.Claims{
		Kind: kind, ID: cl.ID, Subject: cl.Subject, SessionID: cl.SessionID,
		IssuedAt: cl.IssuedAt.Time, ExpiresAt: cl.ExpiresAt.Time,
	}
	if cl.Roles != nil {
		out.Roles = user.ParseRoles(*cl.Roles)
	}
	return out, nil
}

// roleNames is the roles claim of cl's token: the roles of an access token, none on a refresh one.
func roleNames(cl credential.Claims) *[]string {
	if cl.Kind != credential.Access {
		return nil
	}
	names := user.RoleNames(cl.Roles)
	return &names
}

// key finds the verification key the token's kid names among the configured ones, for a header
// without crit; the parser has already refused any algorithm but the configured one.
func (c *Codec) key(t *jwt.Token) (any, error) {
	if err := refuseCrit(t.Header); err != nil {
		return nil, err
	}
	kid := ""
	if v, present := t.Header["kid"]; present {
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, errors.New("kid header is not a non-empty string")
		}
		kid = s
	}
	k, ok := c.verify[kid]
	if !ok {
		// The kid is attacker-chosen text; it stays out of the error, which may reach a log.
		return nil, errors.New("token names no configured key")
	}
	return k, nil
}
