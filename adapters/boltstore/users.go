package boltstore

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/user"
)

var _ user.Store = (*Users)(nil)

// Users is a user.Store: documents in the users bucket by id, and an emails bucket from normalised
// email to id that makes emails unique. The notices a written user carries go into the mail bucket
// (see Outbox), and its events onto its timeline (see Timeline), in the same transaction.
//
// The write that deletes a user removes its entry in the emails bucket and enters it in the
// deleted_users bucket, in the same transaction: from then on its email is free and every read
// answers user.ErrNotFound, while its document waits for Erase (see accounts.go).
type Users struct {
	bolt *file
}

// Insert implements user.Store.
func (s *Users) Insert(ctx context.Context, u *user.User) error {
	id, email := []byte(u.ID), []byte(u.Email)
	raw, err := encode("user", string(u.ID), newUserDoc(u))
	if err != nil {
		return fmt.Errorf("boltstore: insert user: %w", err)
	}
	if err := ownEvents(string(u.ID), u.Events); err != nil {
		return fmt.Errorf("boltstore: insert user: %w", err)
	}
	return write(ctx, s.bolt, "insert user "+string(u.ID), func(tx *bolt.Tx) error {
		users, emails := tx.Bucket(bucketUsers), tx.Bucket(bucketEmails)
		if emails.Get(email) != nil {
			return user.ErrEmailTaken
		}
		// Overwriting would orphan the old user's email entry; ids are generated, so this is a bug upstream.
		if users.Get(id) != nil {
			return errors.New("a user with this id already exists")
		}
		if err := emails.Put(email, id); err != nil {
			return fmt.Errorf("index email: %w", err)
		}
		if err := users.Put(id, raw); err != nil {
			return fmt.Errorf("put document: %w", err)
		}
		if err := post(tx, u.Outbox); err != nil {
			return err
		}
		return record(tx, u.Events)
	})
}

// post moves notices into the mail bucket of tx.
func post(tx *bolt.Tx, notices []user.Notice) error {
	for _, n := range notices {
		if err := enqueue(tx, n); err != nil {
			return err
		}
	}
	return nil
}

// ByID implements user.Store.
func (s *Users) ByID(ctx context.Context, id user.ID) (*user.User, error) {
	var doc userDoc
	err := read(ctx, s.bolt, "user by id "+string(id), func(tx *bolt.Tx) error {
		var err error
		doc, err = getUser(tx, []byte(id))
		return err
	})
	if err != nil {
		return nil, err
	}
	return doc.user(), nil
}

// ByEmail implements user.Store.
func (s *Users) ByEmail(ctx context.Context, email string) (*user.User, error) {
	var doc userDoc
	err := read(ctx, s.bolt, "user by email", func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketEmails).Get([]byte(email))
		if id == nil {
			return user.ErrNotFound
		}
		var err error
		doc, err = getUser(tx, id)
		if errors.Is(err, user.ErrNotFound) {
			// Both buckets change in one transaction, so an entry without its user is damage, not absence.
			return fmt.Errorf("email index points at missing user %q", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return doc.user(), nil
}

// Update implements user.Store. bbolt runs one write transaction at a time, so the read, the
// change and the write need no version check, and a change that moves the user to another email
// moves its entry in the emails bucket in the same transaction.
func (s *Users) Update(ctx context.Context, id user.ID, change func(*user.User) error) (*user.User, error) {
	var out *user.User
	err := update(ctx, s.bolt, "update user "+string(id), func(tx *bolt.Tx, refuse func(error)) error {
		var err error
		out, err = updateUser(tx, id, change, refuse)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// updateUser applies change to the stored user inside tx, moving its email entry when the change
// moved the email, its notices into the mail bucket and its events onto its timeline; a missing
// user, the change's own error or an email taken by another user goes to refuse, with nothing
// written.
func updateUser(tx *bolt.Tx, id user.ID, change func(*user.User) error, refuse func(error)) (*user.User, error) {
	doc, err := getUser(tx, []byte(id))
	if errors.Is(err, user.ErrNotFound) {
		refuse(err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u := doc.user()
	if err := change(u); err != nil {
		refuse(err)
		return nil, nil
	}
	if u.ID != id {
		return nil, fmt.Errorf("a change may not alter the user's id (%s → %s)", id, u.ID)
	}
	if err := ownEvents(string(id), u.Events); err != nil {
		return nil, err
	}
	if u.DeletedAt != nil {
		if err := unindexDeleted(tx, id, doc.Email, *u.DeletedAt); err != nil {
			return nil, err
		}
	} else if u.Email != doc.Email {
		emails := tx.Bucket(bucketEmails)
		if owner := emails.Get([]byte(u.Email)); owner != nil && string(owner) != string(id) {
			refuse(user.ErrEmailTaken)
			return nil, nil
		}
		if err := emails.Put([]byte(u.Email), []byte(id)); err != nil {
			return nil, fmt.Errorf("index email: %w", err)
		}
		if err := emails.Delete([]byte(doc.Email)); err != nil {
			return nil, fmt.Errorf("unindex email: %w", err)
		}
	}
	raw, err := encode("user", string(id), newUserDoc(u))
	if err != nil {
		return nil, err
	}
	if err := tx.Bucket(bucketUsers).Put([]byte(id), raw); err != nil {
		return nil, fmt.Errorf("put document: %w", err)
	}
	if err := post(tx, u.Outbox); err != nil {
		return nil, err
	}
	if err := record(tx, u.Events); err != nil {
		return nil, err
	}
	u.Outbox, u.Events = nil, nil
	return u, nil
}

// getUser reads the live user with id: user.ErrNotFound for a deleted one, as for none.
func getUser(tx *bolt.Tx, id []byte) (userDoc, error) {
	doc, err := loadUser(tx, id)
	if err == nil && doc.DeletedAt != nil {
		return userDoc{}, user.ErrNotFound
	}
	return doc, err
}

// loadUser reads the document stored under id, deleted or not.
func loadUser(tx *bolt.Tx, id []byte) (userDoc, error) {
	raw := tx.Bucket(bucketUsers).Get(id)
	if raw == nil {
		return userDoc{}, user.ErrNotFound
	}
	return decodeUser(id, raw)
}
