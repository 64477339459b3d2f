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
	"github.com/authd/authd/core/storage"
)

var _ credential.AttemptStore = (*Attempts)(nil)

// attemptExpiry is how long after its last event a counter is kept: longer than any lockout plus
// window, so the TTL monitor only removes counters that no longer matter.
const attemptExpiry = 24 * time.Hour

// Attempts is the credential.AttemptStore on the attempts collection, one document per key. Like
// sessions, each write replaces one version under a claim, so no increment is lost on servers
// whose conditional updates aren't atomic.
type Attempts struct {
	attempts *mongo.Collection
	claims   *claims
}

type attemptDoc struct {
	Key       string    `bson:"_id"`
	Count     int       `bson:"count"`
	First     time.Time `bson:"first"`
	Last      time.Time `bson:"last"`
	ExpiresAt time.Time `bson:"expires_at"`
	Version   int64     `bson:"version"`
}

func (d attemptDoc) attempts() credential.Attempts {
	return credential.Attempts{Count: d.Count, First: d.First.UTC(), Last: d.Last.UTC()}
}

func (s *Attempts) createIndexes(ctx context.Context) error {
	_, err := s.attempts.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "expires_at", Value: 1}},
		Options: options.Index().SetName("expires_at_ttl").SetExpireAfterSeconds(0),
	})
	if err != nil && !notSupported(err) {
		return translate("create attempts TTL index", err)
	}
	return nil
}

// Get implements credential.AttemptStore.
func (s *Attempts) Get(ctx context.Context, key string) (credential.Attempts, error) {
	var d attemptDoc
	err := s.attempts.FindOne(ctx, byID(key)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return credential.Attempts{}, nil
	}
	if err != nil {
		return credential.Attempts{}, translate("get attempts", err)
	}
	return d.attempts(), nil
}

// Add implements credential.AttemptStore.
func (s *Attempts) Add(ctx context.Context, key string, now time.Time, lapsed func(credential.Attempts) bool) (credential.Attempts, error) {
	pause := firstPause
	for range writeAttempts {
		var d attemptDoc
		err := s.attempts.FindOne(ctx, byID(key)).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			next := credential.Next(credential.Attempts{}, now, lapsed)
			_, err := s.attempts.InsertOne(ctx, attemptDoc{Key: key, Count: next.Count, First: next.First, Last: next.Last, ExpiresAt: now.Add(attemptExpiry)})
			if err == nil {
				return next, nil
			}
			if !mongo.IsDuplicateKeyError(err) {
				return credential.Attempts{}, translate("add attempt", err)
			}
			continue // another first event won; count on top of it
		}
		if err != nil {
			return credential.Attempts{}, translate("add attempt", err)
		}
		next := credential.Next(d.attempts(), now, lapsed)
		c, err := s.claims.take(ctx, claimKey("attempts", key, d.Version))
		if errors.Is(err, errClaimed) {
			if err := sleep(ctx, pause); err != nil {
				return credential.Attempts{}, translate("add attempt", err)
			}
			pause = min(2*pause, maxPause)
			continue
		}
		if err != nil {
			return credential.Attempts{}, translate("add attempt", err)
		}
		res, err := s.attempts.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "version", Value: d.Version}}, bson.D{{Key: "$set", Value: bson.D{
			{Key: "count", Value: next.Count}, {Key: "first", Value: next.First}, {Key: "last", Value: next.Last},
			{Key: "expires_at", Value: now.Add(attemptExpiry)}, {Key: "version", Value: d.Version + 1},
		}}})
		s.claims.release(ctx, c)
		if err != nil {
			return credential.Attempts{}, translate("add attempt", err)
		}
		if res.MatchedCount == 1 {
			return next, nil
		}
	}
	// A key this hot is under attack; answering "busy, retry later" is the safe side.
	return credential.Attempts{}, fmt.Errorf("mongostore: add attempt: %d writers in the way: %w", writeAttempts, storage.ErrUnavailable)
}

// Reset implements credential.AttemptStore.
func (s *Attempts) Reset(ctx context.Context, key string) error {
	if _, err := s.attempts.DeleteOne(ctx, byID(key)); err != nil {
		return translate("reset attempts", err)
	}
	return nil
}
