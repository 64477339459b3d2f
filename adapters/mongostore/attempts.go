package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/core/throttle"
)

var _ throttle.Store = (*Attempts)(nil)

// DefaultAttemptRetention is how long after its latest event a counter is kept when
// Config.AttemptRetention is zero: a day, longer than any lockout and window the defaults allow.
const DefaultAttemptRetention = 24 * time.Hour

// Attempts is the throttle.Store on the attempts collection, one document per key,
// changed by compare-and-swap on a version only this adapter sees.
type Attempts struct {
	attempts  *mongo.Collection
	retry     retry
	retention time.Duration // the TTL monitor drops a counter this long after its latest event
}

type attemptDoc struct {
	Key       string    `bson:"_id"`
	Count     int       `bson:"count"`
	First     time.Time `bson:"first"`
	Last      time.Time `bson:"last"`
	Pending   int       `bson:"pending"`
	Reserved  time.Time `bson:"reserved"`
	ExpiresAt time.Time `bson:"expires_at"`
	Version   int64     `bson:"version"`
}

func (d attemptDoc) attempts() throttle.Attempts {
	return throttle.Attempts{Count: d.Count, First: d.First.UTC(), Last: d.Last.UTC(), Pending: d.Pending, Reserved: d.Reserved.UTC()}
}

func (s *Attempts) createIndexes(ctx context.Context) error {
	_, err := s.attempts.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "expires_at", Value: 1}},
		Options: options.Index().SetName("expires_at_ttl").SetExpireAfterSeconds(0),
	})
	if err != nil && !notSupported(err) {
		return fail("create attempts TTL index", err)
	}
	return nil
}

// Update implements throttle.Store: it reads the counter and replaces that version, or inserts
// the first one by _id; losing either race, it applies change again to what the winner wrote.
func (s *Attempts) Update(ctx context.Context, key string, change func(*throttle.Attempts) error) (*throttle.Attempts, error) {
	var out *throttle.Attempts
	err := s.retry.do(ctx, "attempts/"+key, "update attempts", nil, func() (bool, error) {
		var d attemptDoc
		err := s.attempts.FindOne(ctx, byID(key)).Decode(&d)
		missing := errors.Is(err, mongo.ErrNoDocuments)
		if err != nil && !missing {
			return false, fail("update attempts", err)
		}
		cur := d.attempts()
		next := cur
		if err := change(&next); err != nil {
			return false, err
		}
		out = &next
		if next == cur {
			return true, nil // nothing to write
		}
		if missing {
			_, err := s.attempts.InsertOne(ctx, s.newDoc(key, next, 0))
			switch {
			case mongo.IsDuplicateKeyError(err):
				return false, nil
			case err != nil:
				return false, fail("update attempts", err)
			}
			return true, nil
		}
		res, err := s.attempts.ReplaceOne(ctx, versioned(key, d.Version), s.newDoc(key, next, d.Version+1))
		if err != nil {
			return false, fail("update attempts", err)
		}
		return res.MatchedCount == 1, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Attempts) newDoc(key string, a throttle.Attempts, version int64) attemptDoc {
	// Kept for the retention past its latest event, whichever that was.
	latest := a.Last
	if a.Reserved.After(latest) {
		latest = a.Reserved
	}
	if a.First.After(latest) {
		latest = a.First
	}
	return attemptDoc{
		Key: key, Count: a.Count, First: a.First, Last: a.Last, Pending: a.Pending, Reserved: a.Reserved,
		ExpiresAt: latest.Add(s.retention), Version: version,
	}
}
