package fake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authd/authd/adapters/clock"
	"github.com/authd/authd/core/credential"
)

// Clock is a settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now implements the Clock ports.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleep waits d of real time, or until ctx ends, without moving the clock: waiting is for other
// goroutines to get on, while the clock only moves when a test says so.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	return clock.System{}.Sleep(ctx, d)
}

// IDs hands out sequential 24-hex-digit ids.
type IDs struct{ n atomic.Uint64 }

// NewID implements the IDGenerator ports.
func (g *IDs) NewID() string { return fmt.Sprintf("%024x", g.n.Add(1)) }

// Hasher "hashes" by prefixing, and counts calls so tests can see work was done.
type Hasher struct {
	Version  string // the parameter version new hashes get; older ones are outdated
	Hashes   atomic.Int64
	Verifies atomic.Int64
}

// Hash implements credential.Hasher.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	h.Hashes.Add(1)
	return "fake$" + h.Version + "$" + pw, nil
}

// Verify implements credential.Hasher.
func (h *Hasher) Verify(ctx context.Context, hash, pw string) (bool, bool, error) {
	if err := ctx.Err(); err != nil {
		return false, false, err
	}
	h.Verifies.Add(1)
	parts := strings.SplitN(hash, "$", 3)
	if len(parts) != 3 || parts[0] != "fake" {
		return false, false, errors.New("fake hasher: malformed hash")
	}
	return parts[2] == pw, parts[1] != h.Version, nil
}

// Meter scores a password 4 unless it contains "weak", then 1.
type Meter struct{}

// Strength implements credential.StrengthMeter.
func (Meter) Strength(pw string, _ []string) credential.Strength {
	if strings.Contains(pw, "weak") {
		return credential.Strength{Score: 1, Feedback: "it contains a common word"}
	}
	return credential.Strength{Score: 4}
}

// Tokens encodes claims as plain text, for core tests that don't care about signatures.
type Tokens struct{}

// Sign implements credential.TokenCodec.
func (Tokens) Sign(c credential.Claims) (string, error) {
	return strings.Join([]string{string(c.Kind), c.ID, c.Subject, c.SessionID, c.ExpiresAt.Format(time.RFC3339Nano)}, "|"), nil
}

// Verify implements credential.TokenCodec; it does not know the time, so expiry is not checked.
func (Tokens) Verify(tok string, kind credential.TokenKind) (credential.Claims, error) {
	p := strings.Split(tok, "|")
	if len(p) != 5 || credential.TokenKind(p[0]) != kind {
		return credential.Claims{}, credential.ErrInvalidToken
	}
	exp, err := time.Parse(time.RFC3339Nano, p[4])
	if err != nil {
		return credential.Claims{}, credential.ErrInvalidToken
	}
	return credential.Claims{Kind: kind, ID: p[1], Subject: p[2], SessionID: p[3], ExpiresAt: exp}, nil
}
