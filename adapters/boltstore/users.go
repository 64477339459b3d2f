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
// email to id that makes emails unique.
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
		return nil
	})
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

// Update implements user.Store. It never changes the stored email: nothing in the core renames an
// account, and keeping the email fixed keeps the emails index right without a second uniqueness check.
func (s *Users) Update(ctx context.Context, u *user.User) error {
	id := []byte(u.ID)
	err := write(ctx, s.bolt, "update user "+string(u.ID), func(tx *bolt.Tx) error {
		stored, err := getUser(tx, id)
		if err != nil {
			return err
		}
		if stored.Version != u.Version {
			return user.ErrConflict
		}
		doc := newUserDoc(u)
		doc.Email = stored.Email
		doc.Version = u.Version + 1
		raw, err := encode("user", string(u.ID), doc)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketUsers).Put(id, raw); err != nil {
			return fmt.Errorf("put document: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Only now is the write committed; bumping inside fn would count every batch re-run.
	u.Version++
	return nil
}

func getUser(tx *bolt.Tx, id []byte) (userDoc, error) {
	raw := tx.Bucket(bucketUsers).Get(id)
	if raw == nil {
		return userDoc{}, user.ErrNotFound
	}
	return decodeUser(id, raw)
}
