package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/credential"
)

var _ credential.AttemptStore = (*Attempts)(nil)

// Attempts keeps throttling counters, one small document per key.
type Attempts struct {
	bolt *file
}

type attemptDoc struct {
	Count    int       `json:"count"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Pending  int       `json:"pending"`
	Reserved time.Time `json:"reserved"`
}

func decodeAttempts(raw []byte) (credential.Attempts, error) {
	if raw == nil {
		return credential.Attempts{}, nil
	}
	var d attemptDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return credential.Attempts{}, fmt.Errorf("corrupt attempts document: %w", err)
	}
	return credential.Attempts{Count: d.Count, First: d.First.UTC(), Last: d.Last.UTC(), Pending: d.Pending, Reserved: d.Reserved.UTC()}, nil
}

// Update implements credential.AttemptStore; the read and the write share one transaction.
func (s *Attempts) Update(ctx context.Context, key string, change func(credential.Attempts) credential.Attempts) (credential.Attempts, error) {
	// A refused attempt changes nothing; finding that out takes only a read transaction.
	var cur credential.Attempts
	err := read(ctx, s.bolt, "read attempts", func(tx *bolt.Tx) error {
		var err error
		cur, err = decodeAttempts(tx.Bucket(bucketAttempts).Get([]byte(key)))
		return err
	})
	if err != nil {
		return credential.Attempts{}, err
	}
	if next := change(cur); next == cur {
		return next, nil
	}
	var next credential.Attempts
	err = write(ctx, s.bolt, "update attempts", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAttempts)
		cur, err := decodeAttempts(b.Get([]byte(key)))
		if err != nil {
			return err
		}
		next = change(cur)
		raw, err := json.Marshal(attemptDoc{Count: next.Count, First: next.First.UTC(), Last: next.Last.UTC(), Pending: next.Pending, Reserved: next.Reserved.UTC()})
		if err != nil {
			return err
		}
		return b.Put([]byte(key), raw)
	})
	return next, err
}

// DeleteBefore removes counters whose last event is older than before; the app's sweeper calls it
// so abandoned keys don't accumulate.
func (s *Attempts) DeleteBefore(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := write(ctx, s.bolt, "sweep attempts", func(tx *bolt.Tx) error {
		n = 0
		c := tx.Bucket(bucketAttempts).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			a, err := decodeAttempts(v)
			if err != nil || (a.Last.Before(before) && a.Reserved.Before(before) && a.First.Before(before)) {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}
