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

var _ user.Store = (*Users)(nil)

// orphanAge is how old an email claim without its user must be before a new registration may take
// it over. A registration writes its user right after its claim, so only a crash leaves a claim
// this old with no user behind it.
const orphanAge = time.Minute

// releaseTimeout bounds releasing a claim on a context of our own, once the caller's may be
// spent: an email claim after a failed registration, or a write claim (see claims). If it runs
// out, the claim is left to become an orphan or stale.
const releaseTimeout = 5 * time.Second

// Users is the user.Store on the users and emails collections. An emails document, keyed by the
// normalised email, is the claim that makes an email unique: inserts by _id are atomic on every
// deployment, sharded or not, where a unique secondary index is not. Updates take a write claim
// on the version they replace, for the same reason.
type Users struct {
	users  *mongo.Collection
	emails *mongo.Collection
	claims *claims
}

// Insert implements user.Store: it claims the email first, then writes the user.
func (s *Users) Insert(ctx context.Context, u *user.User) error {
	if err := s.claim(ctx, u.Email, string(u.ID)); err != nil {
		return err
	}
	if _, err := s.users.InsertOne(ctx, fromUser(u)); err != nil {
		// Release our claim (only ours: it may have been taken over meanwhile) so the email isn't
		// blocked until it turns orphan. The request's context is likely spent, hence our own.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		_, _ = s.emails.DeleteOne(rctx, claimOf(u.Email, string(u.ID)))
		return translate("insert user", err)
	}
	return nil
}

// claim records that email belongs to id, or says why it can't.
func (s *Users) claim(ctx context.Context, email, id string) error {
	// A few rounds, each after the claim in the way went away: released by a registration that
	// failed, or removed by us as an orphan.
	for range 3 {
		_, err := s.emails.InsertOne(ctx, emailDoc{Email: email, UserID: id, CreatedAt: time.Now().UTC()})
		if err == nil {
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return translate("claim email", err)
		}
		var c emailDoc
		switch err := s.emails.FindOne(ctx, byID(email)).Decode(&c); {
		case errors.Is(err, mongo.ErrNoDocuments):
			continue
		case err != nil:
			return translate("read email claim", err)
		}
		orphan, err := s.orphan(ctx, c)
		if err != nil {
			return err
		}
		if !orphan {
			return user.ErrEmailTaken
		}
		if err := s.clearOrphan(ctx, email, c.UserID); err != nil {
			return err
		}
	}
	return user.ErrEmailTaken
}

// clearOrphan deletes the orphaned claim of email by orphanID, so the atomic insert can choose
// between racing registrations. The delete is itself claimed: a filtered delete is a find and a
// delete by _id on FerretDB 1.x, so two registrations clearing the same orphan at once could
// otherwise delete the fresh claim one of them inserted in between.
func (s *Users) clearOrphan(ctx context.Context, email, orphanID string) error {
	guard, err := s.claims.take(ctx, "emails/"+email+"/orphan-of/"+orphanID, staleClaimAge)
	if errors.Is(err, errClaimed) {
		return user.ErrEmailTaken // another registration is taking this email over right now
	}
	if err != nil {
		return translate("claim orphaned email", err)
	}
	defer s.claims.release(ctx, guard)
	var c emailDoc
	switch err := s.emails.FindOne(ctx, byID(email)).Decode(&c); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil
	case err != nil:
		return translate("read email claim", err)
	}
	if c.UserID != orphanID {
		return nil // someone else already replaced the orphan; the next insert finds their claim
	}
	if _, err := s.emails.DeleteOne(ctx, claimOf(email, orphanID)); err != nil {
		return translate("release orphaned email", err)
	}
	return nil
}

// orphan reports whether c is old and its user was never written. A young claim without a user
// is a registration in flight, which must win.
func (s *Users) orphan(ctx context.Context, c emailDoc) (bool, error) {
	if time.Since(c.CreatedAt) < orphanAge {
		return false, nil
	}
	switch _, err := s.byID(ctx, c.UserID); {
	case errors.Is(err, user.ErrNotFound):
		return true, nil
	case err != nil:
		return false, err
	}
	return false, nil
}

// ByID implements user.Store.
func (s *Users) ByID(ctx context.Context, id user.ID) (*user.User, error) {
	return s.byID(ctx, string(id))
}

func (s *Users) byID(ctx context.Context, id string) (*user.User, error) {
	var d userDoc
	switch err := s.users.FindOne(ctx, byID(id)).Decode(&d); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, user.ErrNotFound
	case err != nil:
		return nil, translate("find user", err)
	}
	return d.toUser(), nil
}

// ByEmail implements user.Store. A claim whose user is missing belongs to a registration in
// flight or one that crashed; either way there is no such user yet.
func (s *Users) ByEmail(ctx context.Context, email string) (*user.User, error) {
	var c emailDoc
	switch err := s.emails.FindOne(ctx, byID(email)).Decode(&c); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, user.ErrNotFound
	case err != nil:
		return nil, translate("find email", err)
	}
	return s.byID(ctx, c.UserID)
}

// Update implements user.Store. It never moves the email claim, so it must not change u.Email.
// It claims the version it replaces first, so that only one writer runs the version-filtered
// replace even where that is not atomic (see claims).
func (s *Users) Update(ctx context.Context, u *user.User) error {
	c, err := s.claims.take(ctx, claimKey("users", string(u.ID), u.Version), staleClaimAge)
	switch {
	case errors.Is(err, errClaimed):
		// The holder is writing this very version, so ours is about to be stale.
		return user.ErrConflict
	case err != nil:
		return translate("claim user version", err)
	}
	defer s.claims.release(ctx, c)

	d := fromUser(u)
	d.Version++
	res, err := s.users.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "version", Value: u.Version}}, d)
	if err != nil {
		return translate("update user", err)
	}
	if res.MatchedCount == 0 {
		err := s.users.FindOne(ctx, byID(d.ID), options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			return user.ErrNotFound
		case err != nil:
			return translate("update user", err)
		}
		return user.ErrConflict
	}
	u.Version = d.Version
	return nil
}

func claimOf(email, userID string) bson.D {
	return bson.D{{Key: "_id", Value: email}, {Key: "user_id", Value: userID}}
}
