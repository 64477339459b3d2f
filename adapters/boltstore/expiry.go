package boltstore

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"
)

// expiryChunk bounds the sessions one DeleteExpired step looks at, so neither its read transaction
// (which can delay the file growing) nor its write transaction (which blocks every other write)
// lasts long.
const expiryChunk = 1000

// DeleteExpired removes the sessions whose ExpiresAt is earlier than before and reports how many went.
// It works in chunks, so it can run on a live store; sessions created meanwhile may be left for the
// next run.
func (s *Sessions) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	total := 0
	var after []byte
	for {
		expired, last, err := s.scanExpired(ctx, after, before)
		if err != nil {
			return total, err
		}
		if len(expired) > 0 {
			n, err := s.deleteExpired(ctx, expired, before)
			total += n
			if err != nil {
				return total, err
			}
		}
		if last == nil {
			return total, nil
		}
		after = last
	}
}

// scanExpired looks at up to expiryChunk sessions after the key after (from the start when nil) and
// returns the ids of the expired ones and the last key looked at, nil once the bucket is exhausted.
// Keys are copied because bolt's memory is gone when the transaction ends.
func (s *Sessions) scanExpired(ctx context.Context, after []byte, before time.Time) (expired [][]byte, last []byte, err error) {
	err = read(ctx, s.bolt, "scan expired sessions", func(tx *bolt.Tx) error {
		expired, last = nil, nil
		c := tx.Bucket(bucketSessions).Cursor()
		k, v := c.First()
		if after != nil {
			if k, v = c.Seek(after); bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		for seen := 0; k != nil && seen < expiryChunk; k, v = c.Next() {
			seen++
			doc, err := decodeSession(k, v)
			if err != nil {
				return err
			}
			if doc.ExpiresAt.Before(before) {
				expired = append(expired, bytes.Clone(k))
			}
			last = bytes.Clone(k)
		}
		if k == nil {
			last = nil
		}
		return nil
	})
	return expired, last, err
}

// deleteExpired deletes those of ids that are still expired, with their index entries: a Rotate
// since the scan may have extended one.
func (s *Sessions) deleteExpired(ctx context.Context, ids [][]byte, before time.Time) (int, error) {
	var n int
	err := write(ctx, s.bolt, "delete expired sessions", func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketSessions)
		for _, id := range ids {
			raw := b.Get(id)
			if raw == nil {
				continue
			}
			doc, err := decodeSession(id, raw)
			if err != nil {
				return err
			}
			if !doc.ExpiresAt.Before(before) {
				continue
			}
			if err := unindexSession(tx, doc.UserID, id); err != nil {
				return err
			}
			if err := b.Delete(id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
