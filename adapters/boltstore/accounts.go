package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/user"
)

var (
	_ user.Lister = (*Users)(nil)
	_ user.Eraser = (*Users)(nil)
)

// bucketDeletedUsers holds the users deleted and not yet erased: id → deletion time, as stamp.
var bucketDeletedUsers = []byte("deleted_users")

// unindexDeleted is the part of the write that deletes user id, of email, at at: the email's entry
// goes, so the email is free at once, and the user joins deleted_users, for Deleted to find.
func unindexDeleted(tx *bolt.Tx, id user.ID, email string, at time.Time) error {
	if err := dropEmail(tx, id, email); err != nil {
		return err
	}
	if err := tx.Bucket(bucketDeletedUsers).Put([]byte(id), binary.BigEndian.AppendUint64(nil, stamp(at))); err != nil {
		return fmt.Errorf("record deletion: %w", err)
	}
	return nil
}

// dropEmail deletes the entry of email if it is id's: once id is deleted, it may be another's.
func dropEmail(tx *bolt.Tx, id user.ID, email string) error {
	emails := tx.Bucket(bucketEmails)
	if !bytes.Equal(emails.Get([]byte(email)), []byte(id)) {
		return nil
	}
	if err := emails.Delete([]byte(email)); err != nil {
		return fmt.Errorf("unindex email: %w", err)
	}
	return nil
}

// List implements user.Lister: one read transaction walks the emails bucket from the later of
// q.After and q.EmailPrefix, and stops at the first email past the prefix or at q.Limit matches.
// Deleted users have no entry there.
func (s *Users) List(ctx context.Context, q user.Query) ([]*user.User, error) {
	var out []*user.User
	err := read(ctx, s.bolt, "list users", func(tx *bolt.Tx) error {
		out = nil
		prefix := []byte(q.EmailPrefix)
		c := tx.Bucket(bucketEmails).Cursor()
		k, id := c.Seek([]byte(max(q.After, q.EmailPrefix)))
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < q.Limit; k, id = c.Next() {
			if string(k) <= q.After {
				continue
			}
			doc, err := getUser(tx, id)
			if errors.Is(err, user.ErrNotFound) {
				return fmt.Errorf("email index points at missing user %q", id)
			}
			if err != nil {
				return err
			}
			if u := doc.user(); q.Matches(u) {
				out = append(out, u)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Erase implements user.Eraser, in one write transaction: the user's sessions with their index
// entries, its messages, its document and its deleted_users entry. The mail bucket has no index by
// user, so Erase decodes every queued message to find the user's: the bucket holds only mail not
// yet delivered, a handful but during a mail outage, and erasures are rare; an index kept by every
// enqueue and delivery would cost more than it saves.
func (s *Users) Erase(ctx context.Context, id user.ID) error {
	return update(ctx, s.bolt, "erase user "+string(id), func(tx *bolt.Tx, refuse func(error)) error {
		key := []byte(id)
		doc, err := loadUser(tx, key)
		switch {
		case errors.Is(err, user.ErrNotFound):
			return tx.Bucket(bucketDeletedUsers).Delete(key)
		case err != nil:
			return err
		case doc.DeletedAt == nil:
			refuse(user.ErrNotDeleted)
			return nil
		}
		if err := eraseSessions(tx, string(id)); err != nil {
			return err
		}
		if err := eraseMail(tx, string(id)); err != nil {
			return err
		}
		if err := dropEmail(tx, id, doc.Email); err != nil {
			return err
		}
		if err := tx.Bucket(bucketUsers).Delete(key); err != nil {
			return fmt.Errorf("delete document: %w", err)
		}
		return tx.Bucket(bucketDeletedUsers).Delete(key)
	})
}

// eraseSessions deletes every session of userID with its index entry.
func eraseSessions(tx *bolt.Tx, userID string) error {
	prefix := sessionKey(userID, nil)
	var ids [][]byte
	c := tx.Bucket(bucketSessionsByUser).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, bytes.Clone(k[len(prefix):]))
	}
	for _, id := range ids {
		if err := tx.Bucket(bucketSessions).Delete(id); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		if err := unindexSession(tx, userID, id); err != nil {
			return err
		}
	}
	return nil
}

// eraseMail deletes every queued message of userID (see Erase for why it scans).
func eraseMail(tx *bolt.Tx, userID string) error {
	q := queueOf(tx)
	var doomed []messageDoc
	err := q.mail.ForEach(func(k, v []byte) error {
		d, err := decodeMessage(k, v)
		if err == nil && d.UserID == userID {
			doomed = append(doomed, d)
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, d := range doomed {
		if err := q.remove(d); err != nil {
			return err
		}
	}
	return nil
}

// Deleted implements user.Eraser, in id order. It reads every entry of deleted_users: the bucket
// holds only deletions not yet erased, which Erase finishes within the request that deletes.
func (s *Users) Deleted(ctx context.Context, before time.Time, limit int) ([]user.ID, error) {
	var ids []user.ID
	err := read(ctx, s.bolt, "find deleted users", func(tx *bolt.Tx) error {
		ids = nil
		cutoff := stamp(before)
		return tx.Bucket(bucketDeletedUsers).ForEach(func(k, v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("corrupt deletion of %q: %x", k, v)
			}
			if len(ids) < limit && binary.BigEndian.Uint64(v) < cutoff {
				ids = append(ids, user.ID(k))
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}
