package jwttoken

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
)

// JWK is the public half of one signing key as RFC 7517 (with RFC 8037 for Ed25519) writes it.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWKSet is a JSON Web Key Set: what resource servers fetch to verify tokens without a shared secret.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// JWKS returns the public keys that verify this Codec's tokens, the signing key first. With HS256
// the set is empty: the secret is symmetric and must never be published.
func (c *Codec) JWKS() JWKSet {
	return JWKSet{Keys: append([]JWK{}, c.jwks.Keys...)}
}

// Thumbprint is the RFC 7638 JWK thumbprint of an Ed25519 public key, the kid of its tokens: it is
// derived from the key alone, so every replica computes the same kid without coordination.
func Thumbprint(pub ed25519.PublicKey) string {
	// RFC 7638 §3.2: the required members only, in lexical order, without whitespace.
	canonical := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func publicJWK(pub ed25519.PublicKey, kid string) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: kid, Use: "sig", Alg: EdDSA}
}
