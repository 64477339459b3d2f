package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/authd/authd/core/user"
)

var _ user.Store = (*Users)(nil)

// Users is the user.Store on the users and emails collections. An emails document, keyed by the
// normalised email and naming its user, is what makes an email unique: inserts by _id are atomic
// on every deployment, sharded or not, where a unique secondary index is not.
//
// A user is written before its email key, so a key always names a user that exists, and one that
// does not (a registration that failed after writing its key, or a crashed writer of an older
// version, which wrote the key first) is an orphan anyone may clear. Nothing left behind waits
// for a clock: a user whose key never got written is reachable by no email and blocks none.
type Users struct {
	users  *mongo.Collection
	emails *mongo.Collection
	retry  retry
}

// Insert implements user.Store: it writes the user, then claims the email with the user's key.
func (s *Users) Insert(ctx context.Context, u *user.User) error {
	if _, err := s.users.InsertOne(ctx, newUserDoc(u)); err != nil {
		return fail("insert user", err)
	}
	err := s.retry.do(ctx, "emails/"+u.Email, "claim email", nil, func() (bool, error) { return s.claim(ctx, u.Email, string(u.ID)) })
	if err != nil {
		// A refused registration must not be readable by id. The request's context may be spent.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.retry.budget)
		defer cancel()
		_, _ = s.users.DeleteOne(rctx, byID(string(u.ID)))
		return err
	}
	return nil
}

// claim inserts the key of email for id. It reports not done after clearing an orphaned key, so
// that the insert is tried again, racing anyone else who saw the orphan.
func (s *Users) claim(ctx context.Context, email, id string) (bool, error) {
	_, err := s.emails.InsertOne(ctx, emailDoc{Email: email, UserID: id})
	switch {
	case err == nil:
		return true, nil
	case !mongo.IsDuplicateKeyError(err):
		return false, fail("claim email", err)
	}
	var k emailDoc
	switch err := s.emails.FindOne(ctx, byID(email)).Decode(&k); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return false, nil // cleared in between
	case err != nil:
		return false, fail("read email key", err)
	case k.UserID == id:
		return true, nil // ours: the driver retried an insert that had been applied
	}
	switch found, err := exists(ctx, s.users, k.UserID); {
	case err != nil:
		return false, fail("read email owner", err)
	case found:
		return false, user.ErrEmailTaken
	}
	// Filtered on the orphan's owner, so a racer's fresh key is never the one deleted.
	if _, err := s.emails.DeleteOne(ctx, claimOf(email, k.UserID)); err != nil {
		return false, fail("clear orphaned email", err)
	}
	return false, nil
}

// ByID implements user.Store.
func (s *Users) ByID(ctx context.Context, id user.ID) (*user.User, error) {
	var d userDoc
	switch err := s.users.FindOne(ctx, byID(string(id))).Decode(&d); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, user.ErrNotFound
	case err != nil:
		return nil, fail("find user", err)
	}
	return d.user(), nil
}

// ByEmail implements user.Store. An orphaned key has no user behind it, so it finds none.
func (s *Users) ByEmail(ctx context.Context, email string) (*user.User, error) {
	var k emailDoc
	switch err := s.emails.FindOne(ctx, byID(email)).Decode(&k); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, user.ErrNotFound
	case err != nil:
		return nil, fail("find email", err)
	}
	return s.ByID(ctx, user.ID(k.UserID))
}

// Update implements user.Store: it reads the user, applies change and replaces the version it
// read with one update filtered on the id and that version; losing to another writer, it reads
// again. Like boltstore's, it never changes the stored email: nothing in core renames an account,
// and an email that never moves keeps its key right without a second uniqueness check.
func (s *Users) Update(ctx context.Context, id user.ID, change func(*user.User) error) (*user.User, error) {
	var out *user.User
	err := s.retry.do(ctx, "users/"+string(id), "update user", user.ErrConflict, func() (bool, error) {
		var d userDoc
		switch err := s.users.FindOne(ctx, byID(string(id))).Decode(&d); {
		case errors.Is(err, mongo.ErrNoDocuments):
			return false, user.ErrNotFound
		case err != nil:
			return false, fail("find user", err)
		}
		u := d.user()
		if err := change(u); err != nil {
			return false, err
		}
		if u.ID != id || u.Email != d.Email {
			return false, fmt.Errorf("mongostore: update user: a change may not alter the id or email (%s → %s, %s → %s)", id, u.ID, d.Email, u.Email)
		}
		next := newUserDoc(u).Fields
		next.Version = d.Fields.Version + 1
		res, err := s.users.UpdateOne(ctx, versioned(string(id), d.Fields.Version), bson.D{{Key: "$set", Value: next}})
		if err != nil {
			return false, fail("update user", err)
		}
		out = u
		return res.MatchedCount == 1, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func claimOf(email, userID string) bson.D {
	return bson.D{{Key: "_id", Value: email}, {Key: "user_id", Value: userID}}
}
