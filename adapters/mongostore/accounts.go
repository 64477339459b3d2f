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
		{s.emails, mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}}, Options: options.Index().SetName("user_id")}},
	} {
		if _, err := ix.coll.Indexes().CreateOne(ctx, ix.m); err != nil {
			return fail("create "+ix.coll.Name()+" index", err)
		}
	}
	return nil
}

// List implements user.Lister: queries on the users collection through its email index, from
// the later of q.After and q.EmailPrefix to the end of the prefix, of the users not deleted that
// q's fields match, sorted by email and _id. A user is listed only if its email's key names it,
// as ByEmail finds only such a user: a registration that failed after writing the user (and
// whose cleanup failed too) leaves a document with the email of another user, or of none, which
// is not an account. Leaving those out may take another query to fill the page. On a sharded
// cluster, where users are sharded on _id, each query goes to every shard and mongos merges the
// shards' sorted answers: a scatter-gather whose cost grows with the shards, for an operator's
// page, never a request's path.
func (s *Users) List(ctx context.Context, q user.Query) ([]*user.User, error) {
	out := make([]*user.User, 0, max(q.Limit, 0))
	from, inclusive := q.EmailPrefix, true
	if q.After >= q.EmailPrefix {
		from, inclusive = q.After, false
	}
	seen := map[string]bool{}
	overlap := 0 // documents seen already that the next query returns again: those with email from
	for len(out) < q.Limit {
		asked := q.Limit - len(out) + overlap
		docs, err := s.listFrom(ctx, q, from, inclusive, asked)
		if err != nil {
			return nil, err
		}
		owners, err := s.keyOwners(ctx, docs)
		if err != nil {
			return nil, err
		}
		for i := range docs {
			d := &docs[i]
			if seen[d.ID] || len(out) == q.Limit {
				continue
			}
			seen[d.ID] = true
			// The filter says the rest; the check keeps what List returns what core's rule selects.
			if u := d.user(); owners[u.Email] == d.ID && u.DeletedAt == nil && q.Matches(u) {
				out = append(out, u)
			}
		}
		if len(docs) < asked {
			break
		}
		// Again from the last email, including it: a document left out may share its email with
		// one the page still needs.
		from, inclusive, overlap = docs[len(docs)-1].Fields.Email, true, 0
		for i := range docs {
			if docs[i].Fields.Email == from {
				overlap++
			}
		}
	}
	return out, nil
}

// listFrom returns up to limit users not deleted that q's fields match, with emails from from on
// (from itself only when inclusive), to the end of q's prefix, in email and _id order.
func (s *Users) listFrom(ctx context.Context, q user.Query, from string, inclusive bool, limit int) ([]userDoc, error) {
	op := "$gt"
	if inclusive {
		op = "$gte"
	}
	email := bson.D{{Key: op, Value: from}}
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
		SetSort(bson.D{{Key: "email", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: "outbox", Value: 0}, {Key: "events", Value: 0}}))
	if err != nil {
		return nil, fail("list users", err)
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fail("list users", err)
	}
	return docs, nil
}

// keyOwners maps the emails of docs to the users their keys name.
func (s *Users) keyOwners(ctx context.Context, docs []userDoc) (map[string]string, error) {
	owners := map[string]string{}
	if len(docs) == 0 {
		return owners, nil
	}
	emails := make(bson.A, 0, len(docs))
	for i := range docs {
		emails = append(emails, docs[i].Fields.Email)
	}
	cur, err := s.emails.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: emails}}}})
	if err != nil {
		return nil, fail("list users' email keys", err)
	}
	var keys []emailDoc
	if err := cur.All(ctx, &keys); err != nil {
		return nil, fail("list users' email keys", err)
	}
	for _, k := range keys {
		owners[k.Email] = k.UserID
	}
	return owners, nil
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
//  3. its sessions, its messages and every email key naming it are deleted, through their
//     user_id indexes (eraseRest);
//  4. its document is deleted.
//
// An Erase of a user whose document is gone repeats step 3, for what a writer that read the user
// before its deletion added after an erasure: a session a login opened just then (credential's
// login erases the account again when it finds it gone).
//
// Two writes can still leave something behind, both of a writer that read the user before its
// deletion: a notice move of an earlier change, or a sweep, that inserts a message after step 3
// (within its one round trip from reading the user); and a Sessions.Open whose login landed
// before the deletion and whose session lands after step 3. Such a session is refused, its user
// being gone, and expires if no later Erase removes it; such a message goes out once, as it would have had it been sent a
// moment before the deletion.
func (s *Users) Erase(ctx context.Context, id user.ID) error {
	d, err := s.load(ctx, id)
	switch {
	case errors.Is(err, user.ErrNotFound):
		// Erased already; a session a login opened as the account went can still name it.
		return s.eraseRest(ctx, id)
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
	if err := s.eraseRest(ctx, id); err != nil {
		return err
	}
	if _, err := s.users.DeleteOne(ctx, bson.D{{Key: "_id", Value: string(id)}, {Key: "deleted_at", Value: bson.D{{Key: "$ne", Value: nil}}}}); err != nil {
		return fail("erase user", err)
	}
	return nil
}

// eraseRest deletes what names the user with id outside its document: its sessions, its messages
// and its email keys, through their user_id indexes. Every key naming the user goes, not only its
// email's: a move that crashed or failed leaves one of the other address. Keys are deleted
// without a nonce filter: a key naming a deleted user is an orphan whatever its nonce (see Users).
func (s *Users) eraseRest(ctx context.Context, id user.ID) error {
	byUser := bson.D{{Key: "user_id", Value: string(id)}}
	if _, err := s.sessions.DeleteMany(ctx, byUser); err != nil {
		return fail("erase user's sessions", err)
	}
	if _, err := s.mail.DeleteMany(ctx, byUser); err != nil {
		return fail("erase user's mail", err)
	}
	if _, err := s.emails.DeleteMany(ctx, byUser); err != nil {
		return fail("erase user's email keys", err)
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
