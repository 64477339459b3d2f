package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// pruneChunk bounds the users one Prune transaction moves the checkpoints of, so that no write
// transaction, which blocks every other write, lasts long.
const pruneChunk = 100

// Prune implements audit.Store. A read of the time index finds each user's last event older than
// cutoff; then, a chunk of users per transaction, the checkpoint moves to it (only ever forward)
// and the events up to it go, with their index entries.
func (t *Timeline) Prune(ctx context.Context, cutoff time.Time) (int, error) {
	type prunable struct {
		user string
		seq  int64
	}
	var todo []prunable
	err := read(ctx, t.bolt, "find prunable events", func(tx *bolt.Tx) error {
		last := map[string]int64{}
		end := stamp(cutoff)
		c := tx.Bucket(bucketEventsByTime).Cursor()
		for k, _ := c.First(); len(k) > 8 && binary.BigEndian.Uint64(k) < end; k, _ = c.Next() {
			user, seq, err := splitEventKey(k[8:])
			if err != nil {
				return err
			}
			last[user] = max(last[user], seq)
		}
		todo = todo[:0]
		for user, seq := range last {
			todo = append(todo, prunable{user, seq})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	slices.SortFunc(todo, func(a, b prunable) int { return strings.Compare(a.user, b.user) })
	deleted := 0
	for chunk := range slices.Chunk(todo, pruneChunk) {
		var n int
		err := write(ctx, t.bolt, "prune events", func(tx *bolt.Tx) error {
			n = 0
			for _, p := range chunk {
				m, err := pruneUser(tx, p.user, p.seq)
				if err != nil {
					return err
				}
				n += m
			}
			return nil
		})
		if err != nil {
			return deleted, err
		}
		deleted += n
	}
	return deleted, nil
}

// pruneUser moves the checkpoint of userID to its event seq, unless it is there or past it
// already, and deletes the user's events up to seq.
func pruneUser(tx *bolt.Tx, userID string, seq int64) (int, error) {
	events := tx.Bucket(bucketEvents)
	from, err := getCheckpoint(tx, userID)
	if err != nil {
		return 0, err
	}
	if from.Seq < seq {
		key := eventKey(userID, seq)
		raw := events.Get(key)
		if raw == nil {
			return 0, fmt.Errorf("corrupt timeline of %s: indexed event %d is missing", userID, seq)
		}
		d, err := decodeEvent(key, raw)
		if err != nil {
			return 0, err
		}
		cp, err := encode("checkpoint", userID, checkpointDoc{Seq: seq, Hash: d.event().Hash()})
		if err != nil {
			return 0, err
		}
		if err := tx.Bucket(bucketCheckpoints).Put([]byte(userID), cp); err != nil {
			return 0, fmt.Errorf("put checkpoint: %w", err)
		}
	}
	// Collected first: deleting under a moving cursor skips keys.
	prefix := userPrefix(userID)
	var doomed []eventDoc
	var keys [][]byte
	c := events.Cursor()
	for k, v := c.Seek(prefix); isEventOf(k, prefix) && binary.BigEndian.Uint64(k[len(prefix):]) <= uint64(seq); k, v = c.Next() {
		d, err := decodeEvent(k, v)
		if err != nil {
			return 0, err
		}
		doomed, keys = append(doomed, d), append(keys, bytes.Clone(k))
	}
	for i, d := range doomed {
		if err := events.Delete(keys[i]); err != nil {
			return 0, fmt.Errorf("delete event: %w", err)
		}
		if err := tx.Bucket(bucketEventIDs).Delete([]byte(d.ID)); err != nil {
			return 0, fmt.Errorf("unindex event: %w", err)
		}
		if err := tx.Bucket(bucketEventsByTime).Delete(timeIndexKey(d.At, keys[i])); err != nil {
			return 0, fmt.Errorf("unindex event: %w", err)
		}
	}
	return len(doomed), nil
}
