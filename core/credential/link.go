package credential

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/authd/authd/core/user"
)

// A link token names its account and carries 256 random bits: base64url of the 12 bytes of the
// user id and the 32 of the secret, 59 characters. Only the secret's digest is stored.
const (
	idBytes     = 12
	secretBytes = 32
)

// linkTokenLen is the length of every link token.
var linkTokenLen = base64.RawURLEncoding.EncodedLen(idBytes + secretBytes)

// newLinkToken returns a fresh token for id and the digest to store.
func newLinkToken(id user.ID) (token, digest string, err error) {
	secret := make([]byte, secretBytes)
	if _, err := rand.Read(secret); err != nil {
		return "", "", fmt.Errorf("read randomness: %w", err)
	}
	token, err = LinkToken(id, secret)
	if err != nil {
		return "", "", err
	}
	return token, user.Digest(secret), nil
}

// LinkToken is the link token naming id and carrying secret, whose user.Digest is what the
// account's user.Token must hold; secret is 32 bytes.
func LinkToken(id user.ID, secret []byte) (string, error) {
	raw, err := hex.DecodeString(string(id))
	if err != nil || len(raw) != idBytes {
		return "", fmt.Errorf("user id %q is not 12 bytes of hex", id)
	}
	if len(secret) != secretBytes {
		return "", fmt.Errorf("link token secret is %d bytes, want %d", len(secret), secretBytes)
	}
	return base64.RawURLEncoding.EncodeToString(append(raw, secret...)), nil
}

// parseLinkToken returns the account a token names and its secret's digest, or ErrBadLink.
func parseLinkToken(token string) (user.ID, string, error) {
	if len(token) != linkTokenLen {
		return "", "", ErrBadLink
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return "", "", ErrBadLink
	}
	return user.ID(hex.EncodeToString(raw[:idBytes])), user.Digest(raw[idBytes:]), nil
}
