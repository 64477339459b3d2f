package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/core/credential"
)

var _ credential.SessionStore = (*Sessions)(nil)

// Sessions is the credential.SessionStore on the sessions collection. Rotate and Revoke are each
// one update whose filter states the condition, so the server decides it atomically.
type Sessions struct {
	sessions *mongo.Collection
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
	live := bson.D{{Key: "_id", Value: id}, {Key: "refresh_id", Value: from}, {Key: "revoked_at", Value: nil}}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "refresh_id", Value: to}, {Key: "expires_at", Value: expiresAt.UTC()}}}}
	res, err := s.sessions.UpdateOne(ctx, live, set)
	if err != nil {
		return translate("rotate session", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	return s.missing(ctx, "rotate session", id, credential.ErrStaleRefresh)
}

// Revoke implements credential.SessionStore. Only the first revocation sets the time.
func (s *Sessions) Revoke(ctx context.Context, id string, at time.Time) error {
	live := bson.D{{Key: "_id", Value: id}, {Key: "revoked_at", Value: nil}}
	res, err := s.sessions.UpdateOne(ctx, live, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at.UTC()}}}})
	if err != nil {
		return translate("revoke session", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	return s.missing(ctx, "revoke session", id, nil)
}

// missing tells why a conditional write matched nothing: ErrSessionNotFound when the session is
// gone, otherwise unmet, what the unmet condition means.
func (s *Sessions) missing(ctx context.Context, op, id string, unmet error) error {
	switch found, err := exists(ctx, s.sessions, id); {
	case err != nil:
		return translate(op, err)
	case !found:
		return credential.ErrSessionNotFound
	}
	return unmet
}
