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
	"github.com/authd/authd/core/user"
)

var _ credential.SessionStore = (*Sessions)(nil)

// Sessions is the credential.SessionStore on the sessions collection, each session changed by
// compare-and-swap on a version only this adapter sees; Open records the login through users.
//
// Sharded, the collection's key would be {_id: "hashed"}. Every authenticated request reads its
// session by _id (ByID), refreshes and touches write it by _id (Update), and the port gives them
// nothing else to route by, so on any other key each of those would go to every shard; hashing
// spreads the inserts of generated ids, which rise with time like ObjectIds, over the shards
// rather than onto the newest chunk. ByUser, the session list a user asks for now and then, is
// then the one query sent to every shard, each answering from its own user_id index, in parallel.
// Its filter is an equality on user_id, so were ByID and Update given the user id too (the
// tokens carry it), {user_id: "hashed", _id: 1} would route every one of them to a single shard.
type Sessions struct {
	sessions *mongo.Collection
	users    *Users
	retry    retry
}

// createIndexes creates the index ByUser reads through, and asks for a TTL index so MongoDB
// deletes sessions once expired. The TTL index is housekeeping only: core checks expiry itself,
// so a server without TTL indexes (FerretDB 1.x) merely keeps dead sessions around. The TTL
// monitor deletes a session with its entries in every index, the user_id one included.
func (s *Sessions) createIndexes(ctx context.Context) error {
	_, err := s.sessions.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "user_id", Value: 1}, {Key: "expires_at", Value: 1}},
		Options: options.Index().SetName("user_id_expires_at"),
	})
	if err != nil {
		return fail("create sessions user index", err)
	}
	_, err = s.sessions.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "expires_at", Value: 1}},
		Options: options.Index().SetName("expires_at_ttl").SetExpireAfterSeconds(0),
	})
	if err != nil && !notSupported(err) {
		return fail("create sessions TTL index", err)
	}
	return nil
}

// Create implements credential.SessionStore.
func (s *Sessions) Create(ctx context.Context, sess *credential.Session) error {
	if _, err := s.sessions.InsertOne(ctx, newSessionDoc(sess)); err != nil {
		return fail("create session", err)
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
		return nil, fail("find session", err)
	}
	return d.session(), nil
}

// ByUser implements credential.SessionStore: one query, an equality on user_id and a range on
// expires_at, both in the user_id_expires_at index.
func (s *Sessions) ByUser(ctx context.Context, userID string, now time.Time) ([]*credential.Session, error) {
	cur, err := s.sessions.Find(ctx, bson.D{
		{Key: "user_id", Value: userID},
		{Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now.UTC()}}},
	})
	if err != nil {
		return nil, fail("find sessions of user", err)
	}
	var docs []sessionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fail("find sessions of user", err)
	}
	out := make([]*credential.Session, 0, len(docs))
	for i := range docs {
		out = append(out, docs[i].session())
	}
	return out, nil
}

// Open implements credential.SessionStore: the user's change first, then the session, each one
// single-document write. A crash between the two leaves a last login recorded for a session that
// never answered, which nobody can use; never a session without its login.
func (s *Sessions) Open(ctx context.Context, sess *credential.Session, record func(*user.User) error) (*user.User, error) {
	u, err := s.users.Update(ctx, user.ID(sess.UserID), record)
	if err != nil {
		return nil, err
	}
	if err := s.Create(ctx, sess); err != nil {
		return nil, err
	}
	return u, nil
}

// Update implements credential.SessionStore: it reads the session, applies change and replaces
// the version it read with one write filtered on the id and that version; losing to another
// writer, it reads again.
func (s *Sessions) Update(ctx context.Context, id string, change func(*credential.Session) error) (*credential.Session, error) {
	var out *credential.Session
	err := s.retry.do(ctx, "sessions/"+id, "update session", nil, func() (bool, error) {
		var d sessionDoc
		switch err := s.sessions.FindOne(ctx, byID(id)).Decode(&d); {
		case errors.Is(err, mongo.ErrNoDocuments):
			return false, credential.ErrSessionNotFound
		case err != nil:
			return false, fail("find session", err)
		}
		sess := d.session()
		if err := change(sess); err != nil {
			return false, err
		}
		if sess.ID != id {
			return false, fmt.Errorf("mongostore: update session: a change may not alter the id (%s → %s)", id, sess.ID)
		}
		next := newSessionDoc(sess)
		next.Version = d.Version + 1
		res, err := s.sessions.ReplaceOne(ctx, versioned(id, d.Version), next)
		if err != nil {
			return false, fail("update session", err)
		}
		out = sess
		return res.MatchedCount == 1, nil
	})
	if err != nil {
		return nil, err
	}
	// The change's events go on the user's timeline right after it. A session's document carries
	// no pending events, so a crash in between loses them, never the change.
	for _, e := range out.Events {
		_, _ = s.users.timeline.Append(ctx, e)
	}
	out.Events = nil
	return out, nil
}
