package user

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"time"
)

// Purpose names what a one-time token proves: that its holder reads the account's mailbox, for
// one use.
type Purpose string

// The purposes of one-time tokens.
const (
	VerifyEmail   Purpose = "verify_email"   // the account's address is its owner's
	ResetPassword Purpose = "reset_password" // set a new password without the current one
	ChangeEmail   Purpose = "change_email"   // move the account to Token.NewEmail
)

// Token is the stored half of a one-time token: the digest of the secret sent by mail, and the
// state it was issued for. A user holds at most one per purpose, so issuing one supersedes the
// last; using it removes it.
type Token struct {
	Purpose   Purpose
	Digest    string // hex SHA-256 of the secret; the secret itself is never stored
	IssuedAt  time.Time
	ExpiresAt time.Time
	Epoch     int64  // the user's TokenEpoch at issue: a password change or reset ends the token
	Email     string // the account's address at issue: an email change ends the token
	NewEmail  string // ChangeEmail only: the address the token moves the account to
}

// Digest is how a token's secret is kept: hex SHA-256. 256 random bits need no salt or stretching.
func Digest(secret []byte) string {
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:])
}

// IssueToken stores t, superseding any earlier token of its purpose.
func (u *User) IssueToken(t Token) {
	t.Epoch, t.Email = u.TokenEpoch, u.Email
	u.DropToken(t.Purpose)
	u.Tokens = append(u.Tokens, t)
}

// DropToken removes the token of purpose p, if any.
func (u *User) DropToken(p Purpose) {
	kept := u.Tokens[:0]
	for _, t := range u.Tokens {
		if t.Purpose != p {
			kept = append(kept, t)
		}
	}
	u.Tokens = kept
	if len(u.Tokens) == 0 {
		u.Tokens = nil
	}
}

// HasToken reports whether UseToken would accept digest for p at now, changing nothing.
func (u *User) HasToken(p Purpose, digest string, now time.Time) bool {
	c := *u
	c.Tokens = append([]Token(nil), u.Tokens...)
	_, ok := c.UseToken(p, digest, now)
	return ok
}

// UseToken removes and returns the token of purpose p whose secret digests to digest, if it is
// still good at now: not expired, and issued for the account's current address and (but for
// VerifyEmail) password.
// Anything else is (nil, false) and changes nothing, so a wrong guess can't spend a good token.
func (u *User) UseToken(p Purpose, digest string, now time.Time) (*Token, bool) {
	for _, t := range u.Tokens {
		if t.Purpose != p {
			continue
		}
		// A verification token proves the mailbox whatever happened to the password since.
		good := subtle.ConstantTimeCompare([]byte(t.Digest), []byte(digest)) == 1 &&
			now.Before(t.ExpiresAt) && t.Email == u.Email && (p == VerifyEmail || t.Epoch == u.TokenEpoch)
		if !good {
			return nil, false
		}
		used := t
		u.DropToken(p)
		return &used, true
	}
	return nil, false
}

// PendingEmail reports whether the account holds a change-email token naming email, spent or not:
// a store uses it to tell an email key being moved to from an abandoned one.
func (u *User) PendingEmail(email string) bool {
	for _, t := range u.Tokens {
		if t.Purpose == ChangeEmail && t.NewEmail == email {
			return true
		}
	}
	return false
}
