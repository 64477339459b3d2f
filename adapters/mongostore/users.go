package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/user"
)

var _ user.Store = (*Users)(nil)

// Users is the user.Store on the users and emails collections. An emails document (a key), keyed
// by the normalised email and naming its user, is what makes an email unique: inserts by _id are
// atomic on every deployment, sharded or not, where a unique secondary index is not.
//
// A key is live while its user exists and either has its email or holds a change-email token
// naming it (user.User.PendingEmail); any other key is an orphan, which whoever wants the email
// clears, filtered on the user and the nonce it read. A deleted user (deleted_at set) does not
// exist for this rule, as for every read: the compare-and-swap that deletes it makes every key
// naming it an orphan at once, so its email can be registered again before Erase (accounts.go)
// deletes the key. No write undoes a deletion, so a key that is an orphan for this reason stays one. ByEmail answers only for a user that has the
// email its key names. Nothing left behind waits for a clock: a user whose key never got written
// is reachable by no email and blocks none.
//
// A registration writes the user, then inserts its key: a key naming a user that does not exist
// is a registration that failed after writing it, or a crashed writer of an older version, which
// wrote the key first.
//
// A move of user U from email A to B, in Update, is three writes:
//  1. claim key B for U: insert it with a fresh nonce; on a duplicate, a live key of another user
//     refuses the move (ErrEmailTaken), an orphan is cleared and the insert tried again, and a key
//     already naming U (an earlier try's, a crashed one's) gets a fresh nonce by an update
//     filtered on the one read;
//  2. the compare-and-swap on U's document, from the read the change ran on, that sets email B;
//  3. delete key A, filtered on U and on the nonce read before step 2.
//
// It is race-free because a key is deleted only by a delete filtered on a nonce read beforehand,
// and, but for step 3 and Erase, only by a clearer that read the key's user after the key and saw
// it not hold the key. Erase deletes only the key naming the deleted user it erases, which no
// writer relies on: every write of a user reads it first, and a deleted user reads as none. Take a move whose step 2 succeeds: its read of U, at version v, came before its
// step 1 and shows a token naming B, since core moves a user only to an email its stored tokens
// name. A clearer whose delete hits key B after that step 1 read a nonce written at or after it,
// then read U: at version v it would have seen the token, so it read a later version, and the
// compare-and-swap on v fails. A clearer that read an older nonce misses, and a step 1 whose
// filtered update misses inserts anew. So from step 1 to step 2 key B names U, and from step 2 on U
// has email B, so other moves to B and registrations of B find the key live and refuse. Step 3
// cannot remove a key that a later move of U back to A relies on: that move claims key A after
// step 2, drawing a new nonce, so step 3 either misses or comes first, and then the later claim's
// filtered update misses and it inserts anew.
//
// A move that fails after step 1 (its change refuses on a later try, the retry budget runs out)
// clears key B by the orphan rule, so the key stays while U's token names B, as after a crash: it
// may be what another writer of U, holding the same token, is about to rely on. Once U's token no
// longer names B the key is an orphan like any other. A crash between steps 2 and 3 leaves key A
// naming U, which has email B: an orphan at once.
type Users struct {
	users    *mongo.Collection
	emails   *mongo.Collection
	sessions *mongo.Collection // Erase's
	mail     *mongo.Collection // Erase's
	outbox   *Outbox
	timeline *Timeline
	retry    retry
}

// Insert implements user.Store: it writes the user with its notices and events, claims the email
// with the user's key, then moves the notices into the outbox and the events onto the timeline.
func (s *Users) Insert(ctx context.Context, u *user.User) error {
	d := newUserDoc(u)
	pending, err := pendingNotices(u.Outbox)
	if err != nil {
		return fmt.Errorf("mongostore: insert user: %w", err)
	}
	if err := ownEvents(string(u.ID), u.Events); err != nil {
		return fmt.Errorf("mongostore: insert user: %w", err)
	}
	events, err := pendingEvents(u.Events)
	if err != nil {
		return fmt.Errorf("mongostore: insert user: %w", err)
	}
	d.Outbox, d.Events = pending, events
	if _, err := s.users.InsertOne(ctx, d); err != nil {
		return fail("insert user", err)
	}
	err = s.retry.do(ctx, "emails/"+u.Email, "claim email", nil, func() (bool, error) {
		_, done, err := s.claimKey(ctx, u.Email, string(u.ID))
		return done, err
	})
	// The request's context may be spent; what follows finishes a write already decided.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.retry.budget)
	defer cancel()
	if err != nil {
		// A refused registration must not be readable by id, nor queue its notices.
		_, _ = s.users.DeleteOne(dctx, byID(string(u.ID)))
		return err
	}
	// The notices and events are safe in the user's document: a move that fails here is the sweep's.
	_ = s.outbox.move(dctx, string(u.ID), pending)
	_ = s.timeline.move(dctx, string(u.ID), events)
	return nil
}

// ByID implements user.Store.
func (s *Users) ByID(ctx context.Context, id user.ID) (*user.User, error) {
	d, err := s.find(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.user(), nil
}

// find reads the live user with id: user.ErrNotFound for a deleted one, as for none.
func (s *Users) find(ctx context.Context, id user.ID) (*userDoc, error) {
	d, err := s.load(ctx, id)
	if err == nil && d.Fields.DeletedAt != nil {
		return nil, user.ErrNotFound
	}
	return d, err
}

// load reads the document of user id, deleted or not.
func (s *Users) load(ctx context.Context, id user.ID) (*userDoc, error) {
	var d userDoc
	switch err := s.users.FindOne(ctx, byID(string(id))).Decode(&d); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, user.ErrNotFound
	case err != nil:
		return nil, fail("find user", err)
	}
	return &d, nil
}

// ByEmail implements user.Store. An orphaned key, or the key of a move not yet made, names a user
// without the email, so it finds none.
func (s *Users) ByEmail(ctx context.Context, email string) (*user.User, error) {
	var k emailDoc
	switch err := s.emails.FindOne(ctx, byID(email)).Decode(&k); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, user.ErrNotFound
	case err != nil:
		return nil, fail("find email", err)
	}
	u, err := s.ByID(ctx, user.ID(k.UserID))
	if err != nil {
		return nil, err
	}
	if u.Email != email {
		return nil, user.ErrNotFound
	}
	return u, nil
}

// Update implements user.Store: it reads the user, applies change and replaces the version it
// read with one update filtered on the id and that version, which also appends the change's
// notices and events to the document; losing to another writer, it reads again. A change that
// moves the email claims the new key first and deletes the old one after (see Users). Once the
// write is stored, the notices move into the outbox and the events onto the timeline: first those
// of earlier writes that the document still held when it was read, so that the timeline has the
// events in the order of the writes that carried them even while an earlier writer is still
// moving its own (both append them, and Append stores an event once).
func (s *Users) Update(ctx context.Context, id user.ID, change func(*user.User) error) (*user.User, error) {
	var (
		out      *user.User
		pending  []bson.Raw
		recorded []bson.Raw
		held     *emailDoc // the key of the email a try moved to, claimed by this update
		left     *emailDoc // the key of the email the stored try moved away from
	)
	err := s.retry.do(ctx, "users/"+string(id), "update user", user.ErrConflict, func() (bool, error) {
		d, err := s.find(ctx, id)
		if err != nil {
			return false, err
		}
		u := d.user()
		if err := change(u); err != nil {
			return false, err
		}
		if u.ID != id {
			return false, fmt.Errorf("mongostore: update user: a change may not alter the id (%s → %s)", id, u.ID)
		}
		if held != nil && held.Email != u.Email {
			// This try moves elsewhere, or nowhere: the key an earlier one claimed is not wanted.
			if _, err := s.clearOrphan(ctx, *held); err != nil {
				return false, err
			}
			held = nil
		}
		left = nil
		// A deleted user holds no key, so a deletion claims none (and leaves its keys orphans).
		if u.Email != d.Fields.Email && u.DeletedAt == nil {
			k, done, err := s.claimKey(ctx, u.Email, string(id))
			if err != nil || !done {
				return false, err
			}
			held = &k
			if left, err = s.keyNaming(ctx, d.Fields.Email, string(id)); err != nil {
				return false, err
			}
		}
		notices, err := pendingNotices(u.Outbox)
		if err != nil {
			return false, fmt.Errorf("mongostore: update user: %w", err)
		}
		if err := ownEvents(string(id), u.Events); err != nil {
			return false, fmt.Errorf("mongostore: update user: %w", err)
		}
		events, err := pendingEvents(u.Events)
		if err != nil {
			return false, fmt.Errorf("mongostore: update user: %w", err)
		}
		next := newUserDoc(u).Fields
		next.Version = d.Fields.Version + 1
		write := bson.D{{Key: "$set", Value: next}}
		// Appended, not set: those of an earlier write may still be on their way out.
		var push bson.D
		if len(notices) > 0 {
			push = append(push, bson.E{Key: "outbox", Value: bson.D{{Key: "$each", Value: notices}}})
		}
		if len(events) > 0 {
			push = append(push, bson.E{Key: "events", Value: bson.D{{Key: "$each", Value: events}}})
		}
		if len(push) > 0 {
			write = append(write, bson.E{Key: "$push", Value: push})
		}
		res, err := s.users.UpdateOne(ctx, versioned(string(id), d.Fields.Version), write)
		if err != nil {
			return false, fail("update user", err)
		}
		u.Outbox, u.Events = nil, nil
		out, pending = u, notices
		recorded = append(movable(string(id), d.Events), events...)
		return res.MatchedCount == 1, nil
	})
	// The request's context may be spent; what follows finishes a write already decided.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.retry.budget)
	defer cancel()
	if err != nil {
		if held != nil {
			_, _ = s.clearOrphan(dctx, *held) // left for the orphan rule if this fails too
		}
		return nil, err
	}
	if left != nil {
		_, _ = s.emails.DeleteOne(dctx, keyFilter(*left)) // left behind, an orphan at once
	}
	_ = s.outbox.move(dctx, string(id), pending)    // left behind, the sweep's
	_ = s.timeline.move(dctx, string(id), recorded) // likewise
	return out, nil
}

// ownEvents refuses events that are not of user id: a user's write carries its own only.
func ownEvents(id string, events []audit.Event) error {
	for _, e := range events {
		if e.UserID != id {
			return fmt.Errorf("user %s carries event %s of user %q", id, e.ID, e.UserID)
		}
	}
	return nil
}
