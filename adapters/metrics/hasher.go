package metrics

import (
	"context"
	"time"

	"github.com/authd/authd/core/credential"
)

// Hasher times a credential.Hasher: password hashing is most of a login's CPU, so its duration is
// what capacity planning and argon2 tuning look at.
type Hasher struct {
	Next credential.Hasher
	Rec  *Recorder
}

// Hash implements credential.Hasher.
func (h Hasher) Hash(ctx context.Context, password string) (string, error) {
	defer h.Rec.timeHash("hash", time.Now())
	return h.Next.Hash(ctx, password)
}

// Verify implements credential.Hasher.
func (h Hasher) Verify(ctx context.Context, hash, password string) (ok, outdated bool, err error) {
	defer h.Rec.timeHash("verify", time.Now())
	return h.Next.Verify(ctx, hash, password)
}

func (r *Recorder) timeHash(op string, began time.Time) {
	r.hashing.WithLabelValues(op).Observe(time.Since(began).Seconds())
}
