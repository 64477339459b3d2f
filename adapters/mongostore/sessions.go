package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/core/credential"
)

var _ credential.SessionStore = (*Sessions)(nil)

// Sessions is the credential.SessionStore on the sessions collection. Every write bumps the
// session document's version, which only this adapter sees, and is made under a claim on the
// version it replaces.
type Sessions struct {
	sessions *mongo.Collection
	claims   *claims
}

// createIndexes asks for a TTL index so MongoDB deletes sessions once expired. It is housekeeping
// only: core checks expiry itself, so a server without TTL indexes (FerretDB 1.x) merely keeps
// dead sessions around.
func (s *Sessions) createIndexes(ctx context.Context) error {
	_, err := s.sessions.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "expires_at", Value: 1}},
		Options: options.Index().SetName("expires_at_ttl").SetExpireAfterSeconds(0),
	})
	if err != nil && !notSupported(err) {
		return translate("create sessions TTL index", err)
	}
	return nil
}

// Create implements credential.SessionStore.
func (s *Sessions) Create(ctx context.Context, sess *credential.Session) error {
	if _, err := s.sessions.InsertOne(ctx, fromSession(sess)); err != nil {
		return translate("create session", err)
	}
	return nil
}

// ByID implements credential.SessionStore.
func (s *Sessions) ByID(ctx context.Context, id string) (*credential.Session, error) {
	var d sessionDoc
	switch err := s.sessions.FindOne(ctx, byID(id)).Decode(&d); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, credential.ErrSessionNotFound
	case err != nil:
		return nil, translate("find session", err)
	}
	return d.toSession(), nil
}

// Rotate implements credential.SessionStore.
func (s *Sessions) Rotate(ctx context.Context, id, from, to string, expiresAt time.Time) error {
	return s.write(ctx, "rotate session", id, func(d *sessionDoc) (bson.D, error) {
		if d.RevokedAt != nil || d.RefreshID != from {
			return nil, credential.ErrStaleRefresh
		}
		return bson.D{{Key: "refresh_id", Value: to}, {Key: "expires_at", Value: expiresAt.UTC()}}, nil
	})
}

// Revoke implements credential.SessionStore. Only the first revocation sets the time.
func (s *Sessions) Revoke(ctx context.Context, id string, at time.Time) error {
	return s.write(ctx, "revoke session", id, func(d *sessionDoc) (bson.D, error) {
		if d.RevokedAt != nil {
			return nil, nil
		}
		return bson.D{{Key: "revoked_at", Value: at.UTC()}}, nil
	})
}

// Bounds on waiting out another writer's claim on a session: about a second in all, far longer
// than a claim is held for one write.
const (
	writeAttempts = 20
	firstPause    = time.Millisecond
	maxPause      = 64 * time.Millisecond
)

// write reads the session, lets decide turn its state into the fields to set (nil for nothing to
// do) or an error, and writes them as the only writer of that version (see claims). Meeting
// another writer's claim, it waits and decides afresh on what that writer left: a Rotate that met
// a Rotate is then stale, but a Revoke that met a Rotate must still revoke.
func (s *Sessions) write(ctx context.Context, op, id string, decide func(*sessionDoc) (bson.D, error)) error {
	pause := firstPause
	for range writeAttempts {
		var d sessionDoc
		switch err := s.sessions.FindOne(ctx, byID(id)).Decode(&d); {
		case errors.Is(err, mongo.ErrNoDocuments):
			return credential.ErrSessionNotFound
		case err != nil:
			return translate(op, err)
		}
		set, err := decide(&d)
		if set == nil || err != nil {
			return err
		}
		c, err := s.claims.take(ctx, claimKey("sessions", id, d.Version), staleClaimAge)
		switch {
		case errors.Is(err, errClaimed):
			if err := sleep(ctx, pause); err != nil {
				return translate(op, err)
			}
			pause = min(2*pause, maxPause)
			continue
		case err != nil:
			return translate(op, err)
		}
		set = append(set, bson.E{Key: "version", Value: d.Version + 1})
		res, err := s.sessions.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: d.Version}}, bson.D{{Key: "$set", Value: set}})
		s.claims.release(ctx, c)
		if err != nil {
			return translate(op, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
		// The session expired away, or a writer whose claim went stale wrote after all; the
		// next read tells which.
	}
	return fmt.Errorf("mongostore: %s: session still claimed by other writers after %d attempts", op, writeAttempts)
}

// sleep waits for d, or returns ctx's error if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
