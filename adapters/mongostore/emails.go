package mongostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/core/user"
)

// claimKey tries once to make the key of email name id: it inserts the key, or finds it already
// id's and draws its nonce anew, or clears it as an orphan. It reports done with the key as
// stored; not done when the key was cleared (by it or another) and the claim is to be tried again;
// user.ErrEmailTaken when the key is another user's, live.
func (s *Users) claimKey(ctx context.Context, email, id string) (emailDoc, bool, error) {
	k := emailDoc{Email: email, UserID: id, Nonce: newNonce()}
	_, err := s.emails.InsertOne(ctx, k)
	switch {
	case err == nil:
		return k, true, nil
	case !mongo.IsDuplicateKeyError(err):
		return emailDoc{}, false, fail("claim email", err)
	}
	var cur emailDoc
	switch err := s.emails.FindOne(ctx, byID(email)).Decode(&cur); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return emailDoc{}, false, nil // cleared in between
	case err != nil:
		return emailDoc{}, false, fail("read email key", err)
	case cur.UserID == id && cur.Nonce == k.Nonce:
		return k, true, nil // the driver retried an insert that had been applied
	case cur.UserID == id:
		// Left by an earlier try, a crashed writer or another replica's writer of this user. A
		// clearer that read the old nonce may be about to delete it: a new nonce makes it miss.
		res, err := s.emails.UpdateOne(ctx, keyFilter(cur), bson.D{{Key: "$set", Value: bson.D{{Key: "nonce", Value: k.Nonce}}}})
		if err != nil {
			return emailDoc{}, false, fail("claim email", err)
		}
		return k, res.MatchedCount == 1, nil
	}
	switch live, err := s.clearOrphan(ctx, cur); {
	case err != nil:
		return emailDoc{}, false, err
	case live:
		return emailDoc{}, false, user.ErrEmailTaken
	}
	return emailDoc{}, false, nil
}

// clearOrphan deletes the key k, as read, unless its user holds it: the user exists, is not
// deleted and has the email, or a change-email token naming it (the user is moving there). The
// delete is filtered on the key's user and nonce, so it misses a key claimed since k was read.
func (s *Users) clearOrphan(ctx context.Context, k emailDoc) (live bool, err error) {
	var owner userDoc
	err = s.users.FindOne(ctx, byID(k.UserID), options.FindOne().SetProjection(bson.D{
		{Key: "email", Value: 1}, {Key: "tokens", Value: 1}, {Key: "deleted_at", Value: 1},
	})).Decode(&owner)
	switch {
	case err == nil && owner.Fields.DeletedAt == nil &&
		(owner.Fields.Email == k.Email || owner.user().PendingEmail(k.Email)):
		return true, nil
	case err != nil && !errors.Is(err, mongo.ErrNoDocuments):
		return false, fail("read email owner", err)
	}
	if _, err := s.emails.DeleteOne(ctx, keyFilter(k)); err != nil {
		return false, fail("clear orphaned email", err)
	}
	return false, nil
}

// keyNaming returns the key of email if it names id, or nil.
func (s *Users) keyNaming(ctx context.Context, email, id string) (*emailDoc, error) {
	var k emailDoc
	switch err := s.emails.FindOne(ctx, byID(email)).Decode(&k); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, nil
	case err != nil:
		return nil, fail("read email key", err)
	case k.UserID != id:
		return nil, nil
	}
	return &k, nil
}

// keyFilter matches the key k exactly as it was read: its email, its user and its nonce.
func keyFilter(k emailDoc) bson.D {
	nonce := bson.E{Key: "nonce", Value: k.Nonce}
	if k.Nonce == "" {
		// Written before keys carried a nonce.
		nonce.Value = bson.D{{Key: "$exists", Value: false}}
	}
	return bson.D{{Key: "_id", Value: k.Email}, {Key: "user_id", Value: k.UserID}, nonce}
}

func newNonce() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails, by its documentation
	return hex.EncodeToString(b[:])
}
