// Package jwttoken signs and verifies the service's tokens as JWTs (github.com/golang-jwt/jwt/v5).
package jwttoken

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/core/credential"
)

// MinSecretLen is the shortest HS256 key accepted: RFC 7518 asks for a key as long as the hash output.
const MinSecretLen = 32

// maxTokenLen refuses absurd inputs before any parsing work; real tokens are a few hundred bytes.
const maxTokenLen = 4096

// Config configures a Codec.
type Config struct {
	Secret []byte
	Issuer string
	Leeway time.Duration // clock skew tolerated on exp/nbf/iat, at most 30s
	Now    func() time.Time
}

// Codec is an HS256 credential.TokenCodec.
type Codec struct {
	secret []byte
	issuer string
	parser *jwt.Parser
}

type claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
	TokenType string `json:"token_type"`
}

// New returns a Codec; it refuses secrets shorter than MinSecretLen.
func New(cfg Config) (*Codec, error) {
	if len(cfg.Secret) < MinSecretLen {
		return nil, fmt.Errorf("jwttoken: secret is %d bytes, need at least %d", len(cfg.Secret), MinSecretLen)
	}
	if cfg.Leeway < 0 || cfg.Leeway > 30*time.Second {
		return nil, fmt.Errorf("jwttoken: leeway %s is outside 0..30s", cfg.Leeway)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
	}
	if cfg.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(cfg.Now))
	}
	return &Codec{secret: cfg.Secret, issuer: cfg.Issuer, parser: jwt.NewParser(opts...)}, nil
}

// Sign implements credential.TokenCodec.
func (c *Codec) Sign(cl credential.Claims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
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
	})
	s, err := tok.SignedString(c.secret)
	if err != nil {
		return "", fmt.Errorf("jwttoken: sign: %w", err)
	}
	return s, nil
}

// Verify implements credential.TokenCodec. The key is chosen by configuration alone: header fields
// such as kid, jku or x5u are never consulted, so a token can't pick its own key.
func (c *Codec) Verify(token string, kind credential.TokenKind) (credential.Claims, error) {
	if len(token) > maxTokenLen {
		return credential.Claims{}, fmt.Errorf("token longer than %d bytes: %w", maxTokenLen, credential.ErrInvalidToken)
	}
	var cl claims
	_, err := c.parser.ParseWithClaims(token, &cl, func(*jwt.Token) (any, error) { return c.secret, nil })
	if err != nil {
		return credential.Claims{}, fmt.Errorf("%w: %w", credential.ErrInvalidToken, err)
	}
	if cl.TokenType != string(kind) {
		return credential.Claims{}, fmt.Errorf("%s token where %s was expected: %w", cl.TokenType, kind, credential.ErrInvalidToken)
	}
	if cl.Subject == "" || cl.SessionID == "" || cl.ID == "" || cl.IssuedAt == nil {
		return credential.Claims{}, fmt.Errorf("token lacks sub, sid, jti or iat: %w", credential.ErrInvalidToken)
	}
	return credential.Claims{
		Kind: kind, ID: cl.ID, Subject: cl.Subject, SessionID: cl.SessionID,
		IssuedAt: cl.IssuedAt.Time, ExpiresAt: cl.ExpiresAt.Time,
	}, nil
}
