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

// Sessions is the credential.SessionStore on the sessions collection.
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
	// revoked_at is always present, null until revoked, so matching null means "not revoked".
	filter := bson.D{{Key: "_id", Value: id}, {Key: "refresh_id", Value: from}, {Key: "revoked_at", Value: nil}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "refresh_id", Value: to}, {Key: "expires_at", Value: expiresAt.UTC()}}}}
	res, err := s.sessions.UpdateOne(ctx, filter, update)
	if err != nil {
		return translate("rotate session", err)
	}
	if res.MatchedCount == 0 {
		return s.missing(ctx, id, "rotate session", credential.ErrStaleRefresh)
	}
	return nil
}

// Revoke implements credential.SessionStore. Only the first revocation sets the time.
func (s *Sessions) Revoke(ctx context.Context, id string, at time.Time) error {
	filter := bson.D{{Key: "_id", Value: id}, {Key: "revoked_at", Value: nil}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at.UTC()}}}}
	res, err := s.sessions.UpdateOne(ctx, filter, update)
	if err != nil {
		return translate("revoke session", err)
	}
	if res.MatchedCount == 0 {
		return s.missing(ctx, id, "revoke session", nil)
	}
	return nil
}

// missing explains why a conditional write matched nothing: ErrSessionNotFound when the session is
// gone, otherwise ifExists.
func (s *Sessions) missing(ctx context.Context, id, op string, ifExists error) error {
	err := s.sessions.FindOne(ctx, byID(id), options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return credential.ErrSessionNotFound
	case err != nil:
		return translate(op, err)
	}
	return ifExists
}
