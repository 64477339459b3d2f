package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/core/user"
)

var (
	_ user.Lister = (*Users)(nil)
	_ user.Eraser = (*Users)(nil)
)

// createIndexes creates the indexes List and Deleted read through, and the one on the mail
// collection by which Erase deletes a user's messages (Erase deletes a user's sessions through
// the sessions' user_id index, see Sessions). The users' email index is not unique: the email
// keys make emails unique (see Users), and a deleted user keeps its email until erased.
func (s *Users) createIndexes(ctx context.Context) error {
	for _, ix := range []struct {
		coll *mongo.Collection
		m    mongo.IndexModel
	}{
		{s.users, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetName("email")}},
		{s.users, mongo.IndexModel{Keys: bson.D{{Key: "deleted_at", Value: 1}}, Options: options.Index().SetName("deleted_at")}},
		{s.mail, mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}}, Options: options.Index().SetName("user_id")}},
	} {
		if _, err := ix.coll.Indexes().CreateOne(ctx, ix.m); err != nil {
			return fail("create "+ix.coll.Name()+" index", err)
		}
	}
	return nil
}

// List implements user.Lister: one query on the users collection through its email index, from
// the later of q.After and q.EmailPrefix to the end of the prefix, of the users not deleted that
// q's fields match, sorted by email and limited to q.Limit. On a sharded cluster, where users are
// sharded on _id, the query goes to every shard and mongos merges the shards' sorted answers in
// email order, taking q.Limit from each: a scatter-gather whose cost grows with the shards, for an
// operator's page, never a request's path.
func (s *Users) List(ctx context.Context, q user.Query) ([]*user.User, error) {
	if q.Limit < 1 {
		return nil, nil
	}
	email := bson.D{{Key: "$gte", Value: q.EmailPrefix}}
	if q.After >= q.EmailPrefix {
		email = bson.D{{Key: "$gt", Value: q.After}}
	}
	if end, ok := prefixEnd(q.EmailPrefix); ok {
		email = append(email, bson.E{Key: "$lt", Value: end})
	}
	filter := bson.D{{Key: "email", Value: email}, {Key: "deleted_at", Value: nil}}
	if q.IsActive != nil {
		filter = append(filter, bson.E{Key: "is_active", Value: *q.IsActive})
	}
	if q.CreatedAfter != nil {
		filter = append(filter, bson.E{Key: "created_at", Value: bson.D{{Key: "$gt", Value: *q.CreatedAfter}}})
	}
	cur, err := s.users.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "email", Value: 1}}).SetLimit(int64(q.Limit)).
		SetProjection(bson.D{{Key: "outbox", Value: 0}, {Key: "events", Value: 0}}))
	if err != nil {
		return nil, fail("list users", err)
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fail("list users", err)
	}
	out := make([]*user.User, 0, len(docs))
	for i := range docs {
		// The filter says the same; the check keeps what List returns what core's rule selects.
		if u := docs[i].user(); u.DeletedAt == nil && q.Matches(u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// prefixEnd is the least string greater than every string starting with prefix, in MongoDB's
// binary order of strings; not ok when there is none (an empty prefix, or one of 0xff bytes).
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// Erase implements user.Eraser with single-document writes and deletes that each may run again,
// in an order that leaves the user's document, with deleted_at, for last: a crash anywhere leaves
// it for Deleted to list and the next Erase to finish, and erasures on several replicas at once
// repeat each other's steps harmlessly. The steps:
//  1. the events its document still holds go to its timeline, which outlives the user (the
//     deletion's own among them, when the deleting writer died before moving them);
//  2. the notices it still holds are dropped, so that no sweep moves them to the mail collection;
//  3. its sessions and its messages are deleted, through their user_id indexes;
//  4. its email key is deleted if it still names the user, and then its document.
//
// Two writes can still leave something behind, both of a writer that read the user before its
// deletion: a notice move of an earlier change, or a sweep, that inserts a message after step 3
// (within its one round trip from reading the user); and a Sessions.Open whose login landed
// before the deletion and whose session lands after step 3. Such a session is refused, its user
// being gone, and expires; such a message goes out once, as it would have had it been sent a
// moment before the deletion.
func (s *Users) Erase(ctx context.Context, id user.ID) error {
	d, err := s.load(ctx, id)
	switch {
	case errors.Is(err, user.ErrNotFound):
		return nil
	case err != nil:
		return err
	case d.Fields.DeletedAt == nil:
		return user.ErrNotDeleted
	}
	if err := s.timeline.move(ctx, string(id), movable(string(id), d.Events)); err != nil {
		return err
	}
	if len(d.Outbox) > 0 {
		if _, err := s.users.UpdateOne(ctx, byID(string(id)), bson.D{{Key: "$set", Value: bson.D{{Key: "outbox", Value: bson.A{}}}}}); err != nil {
			return fail("erase user's notices", err)
		}
	}
	byUser := bson.D{{Key: "user_id", Value: string(id)}}
	if _, err := s.sessions.DeleteMany(ctx, byUser); err != nil {
		return fail("erase user's sessions", err)
	}
	if _, err := s.mail.DeleteMany(ctx, byUser); err != nil {
		return fail("erase user's mail", err)
	}
	// Not filtered on a nonce: a key naming a deleted user is an orphan whatever its nonce (see Users).
	if _, err := s.emails.DeleteOne(ctx, bson.D{{Key: "_id", Value: d.Fields.Email}, {Key: "user_id", Value: string(id)}}); err != nil {
		return fail("erase user's email key", err)
	}
	if _, err := s.users.DeleteOne(ctx, bson.D{{Key: "_id", Value: string(id)}, {Key: "deleted_at", Value: bson.D{{Key: "$ne", Value: nil}}}}); err != nil {
		return fail("erase user", err)
	}
	return nil
}

// Deleted implements user.Eraser through the deleted_at index: a live user's deleted_at is null,
// which no time is less than.
func (s *Users) Deleted(ctx context.Context, before time.Time, limit int) ([]user.ID, error) {
	if limit < 1 {
		return nil, nil
	}
	cur, err := s.users.Find(ctx, bson.D{{Key: "deleted_at", Value: bson.D{{Key: "$lt", Value: before}}}},
		options.Find().SetSort(bson.D{{Key: "deleted_at", Value: 1}}).SetLimit(int64(limit)).
			SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fail("find deleted users", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fail("find deleted users", err)
	}
	ids := make([]user.ID, len(docs))
	for i, d := range docs {
		ids[i] = user.ID(d.ID)
	}
	return ids, nil
}
