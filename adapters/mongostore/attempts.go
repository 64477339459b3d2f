package mongostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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

// attemptsPatience bounds how long one update waits for its turn on a contended key.
const attemptsPatience = 5 * time.Second

// attemptsClaimStale is how old a claim on a counter must be before another writer takes it over:
// well within attemptsPatience, so a replica killed while it held one costs the writers waiting
// on that key a pause instead of a minute of 503s. A counter's key can be a client address that
// every login from behind one NAT shares. The price is that a writer stalled this long between
// its claim and its write may lose its increment to the one that took over (on servers whose
// conditional writes aren't atomic): a missed count, not a wrong password accepted.
const attemptsClaimStale = 2 * time.Second

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
	Pending   int       `bson:"pending"`
	Reserved  time.Time `bson:"reserved"`
	ExpiresAt time.Time `bson:"expires_at"`
	Version   int64     `bson:"version"`
}

func (d attemptDoc) attempts() credential.Attempts {
	return credential.Attempts{Count: d.Count, First: d.First.UTC(), Last: d.Last.UTC(), Pending: d.Pending, Reserved: d.Reserved.UTC()}
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

// Update implements credential.AttemptStore.
func (s *Attempts) Update(ctx context.Context, key string, change func(credential.Attempts) credential.Attempts) (credential.Attempts, error) {
	pause := firstPause
	// A hot key (a burst of logins to one account) queues many writers behind one another; they
	// wait their turn for as long as a request may reasonably take, not a fixed number of tries.
	deadline := time.Now().Add(attemptsPatience)
	for time.Now().Before(deadline) {
		var d attemptDoc
		err := s.attempts.FindOne(ctx, byID(key)).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			next := change(credential.Attempts{})
			_, err := s.attempts.InsertOne(ctx, newAttemptDoc(key, next, 0))
			if err == nil {
				return next, nil
			}
			if !mongo.IsDuplicateKeyError(err) {
				return credential.Attempts{}, translate("update attempts", err)
			}
			continue // another writer created it first; apply the change on top of theirs
		}
		if err != nil {
			return credential.Attempts{}, translate("update attempts", err)
		}
		next := change(d.attempts())
		if next == d.attempts() {
			return next, nil // nothing to write: a refused attempt only reads
		}
		c, err := s.claims.take(ctx, claimKey("attempts", key, d.Version), attemptsClaimStale)
		if errors.Is(err, errClaimed) {
			// Jittered, so writers that collided don't collide again in step.
			if err := sleep(ctx, pause/2+time.Duration(rand.Int64N(int64(pause)))); err != nil {
				return credential.Attempts{}, translate("update attempts", err)
			}
			pause = min(2*pause, maxPause)
			continue
		}
		if err != nil {
			return credential.Attempts{}, translate("update attempts", err)
		}
		res, err := s.attempts.ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "version", Value: d.Version}}, newAttemptDoc(key, next, d.Version+1))
		s.claims.release(ctx, c)
		if err != nil {
			return credential.Attempts{}, translate("update attempts", err)
		}
		if res.MatchedCount == 1 {
			return next, nil
		}
	}
	// A key this hot is under attack; answering "busy, retry later" is the safe side.
	return credential.Attempts{}, fmt.Errorf("mongostore: update attempts: other writers held the key for %s: %w", attemptsPatience, storage.ErrUnavailable)
}

func newAttemptDoc(key string, a credential.Attempts, version int64) attemptDoc {
	// Kept a day past its latest event, whichever that was.
	latest := a.Last
	if a.Reserved.After(latest) {
		latest = a.Reserved
	}
	if a.First.After(latest) {
		latest = a.First
	}
	return attemptDoc{
		Key: key, Count: a.Count, First: a.First, Last: a.Last, Pending: a.Pending, Reserved: a.Reserved,
		ExpiresAt: latest.Add(attemptExpiry), Version: version,
	}
}
