package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/audit"
)

var (
	// bucketEvents holds every event under eventKey, so that a user's timeline is one run of keys
	// in the order of its chain.
	bucketEvents = []byte("events")
	// bucketEventIDs maps an event's id to its key in bucketEvents: an id is stored once.
	bucketEventIDs = []byte("event_ids")
	// bucketEventsByTime orders every event by when it happened, for Prune: its keys are stamp(At)
	// big-endian and the event's key, its values empty.
	bucketEventsByTime = []byte("events_by_time")
	// bucketCheckpoints holds, by user id, where a pruned user's chain starts.
	bucketCheckpoints = []byte("checkpoints")
)

var _ audit.Store = (*Timeline)(nil)

// Timeline is an audit.Store in four buckets that every write keeps in step in one transaction:
// the events, their ids, their times and the users' checkpoints. Append links an event to the
// user's last one inside its write transaction, and bbolt runs one at a time, so no two events
// ever link to one predecessor. Users and Sessions.Open append the events a written user carries
// in the transaction that writes the user.
type Timeline struct {
	bolt *file
}

// Append implements audit.Store.
func (t *Timeline) Append(ctx context.Context, e audit.Event) (audit.Event, error) {
	var out audit.Event
	err := write(ctx, t.bolt, "append event "+e.ID, func(tx *bolt.Tx) error {
		var err error
		out, err = appendEvent(tx, e)
		return err
	})
	return out, err
}

// record appends the events a written user carries to its timeline in tx.
func record(tx *bolt.Tx, events []audit.Event) error {
	for _, e := range events {
		if _, err := appendEvent(tx, e); err != nil {
			return err
		}
	}
	return nil
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

// appendEvent stores e after its user's last event in tx, or returns the event stored with its id.
func appendEvent(tx *bolt.Tx, e audit.Event) (audit.Event, error) {
	if e.ID == "" {
		return audit.Event{}, fmt.Errorf("append a %s event without an id", e.Kind)
	}
	if e.UserID == "" || strings.IndexByte(e.UserID, 0) >= 0 {
		return audit.Event{}, fmt.Errorf("append event %s: user id %q is empty or holds a NUL byte", e.ID, e.UserID)
	}
	events, ids := tx.Bucket(bucketEvents), tx.Bucket(bucketEventIDs)
	if k := ids.Get([]byte(e.ID)); k != nil {
		raw := events.Get(k)
		if raw == nil {
			return audit.Event{}, fmt.Errorf("corrupt event index: event %q is missing", e.ID)
		}
		d, err := decodeEvent(k, raw)
		return d.event(), err
	}
	head, from, err := chainHead(tx, e.UserID)
	if err != nil {
		return audit.Event{}, err
	}
	e.At = e.At.UTC().Truncate(time.Millisecond)
	e = audit.Link(head, from, e)
	key := eventKey(e.UserID, e.Seq)
	if events.Get(key) != nil {
		return audit.Event{}, fmt.Errorf("corrupt timeline of %s: event %d is stored but is not the last", e.UserID, e.Seq)
	}
	raw, err := encode("event", e.ID, eventDoc{
		ID: e.ID, UserID: e.UserID, Seq: e.Seq, Kind: string(e.Kind), At: e.At,
		SessionID: e.SessionID, IP: e.IP, Detail: e.Detail, Prev: e.Prev,
	})
	if err != nil {
		return audit.Event{}, err
	}
	if err := events.Put(key, raw); err != nil {
		return audit.Event{}, fmt.Errorf("put event: %w", err)
	}
	if err := ids.Put([]byte(e.ID), key); err != nil {
		return audit.Event{}, fmt.Errorf("index event: %w", err)
	}
	if err := tx.Bucket(bucketEventsByTime).Put(timeIndexKey(e.At, key), nil); err != nil {
		return audit.Event{}, fmt.Errorf("index event: %w", err)
	}
	return e, nil
}

// chainHead is the user's last event, or nil and the checkpoint the chain starts from.
func chainHead(tx *bolt.Tx, userID string) (*audit.Event, audit.Checkpoint, error) {
	prefix := userPrefix(userID)
	k, v := lastBelow(tx.Bucket(bucketEvents).Cursor(), prefix, math.MaxUint64)
	if k != nil {
		d, err := decodeEvent(k, v)
		if err != nil {
			return nil, audit.Checkpoint{}, err
		}
		e := d.event()
		return &e, audit.Checkpoint{}, nil
	}
	from, err := getCheckpoint(tx, userID)
	return nil, from, err
}

// Page implements audit.Store: a walk back from before through the user's run of keys.
func (t *Timeline) Page(ctx context.Context, userID string, before int64, limit int) ([]audit.Event, error) {
	if limit <= 0 || before < 0 {
		return nil, nil
	}
	below := uint64(before)
	if before == 0 {
		below = math.MaxUint64
	}
	var out []audit.Event
	err := read(ctx, t.bolt, "page events of "+userID, func(tx *bolt.Tx) error {
		out = nil
		prefix := userPrefix(userID)
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := lastBelow(c, prefix, below); isEventOf(k, prefix) && len(out) < limit; k, v = c.Prev() {
			d, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			out = append(out, d.event())
		}
		return nil
	})
	return out, err
}

// Chain implements audit.Store, reading the events and the checkpoint in one transaction.
func (t *Timeline) Chain(ctx context.Context, userID string) (audit.Checkpoint, []audit.Event, error) {
	var (
		from audit.Checkpoint
		out  []audit.Event
	)
	err := read(ctx, t.bolt, "chain of "+userID, func(tx *bolt.Tx) error {
		out = nil
		prefix := userPrefix(userID)
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(prefix); isEventOf(k, prefix); k, v = c.Next() {
			d, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			out = append(out, d.event())
		}
		var err error
		from, err = getCheckpoint(tx, userID)
		return err
	})
	return from, out, err
}

// Users implements audit.Store. It reads the ids in one transaction, jumping over each user's
// run of events, and calls fn after it: fn may read the store.
func (t *Timeline) Users(ctx context.Context, fn func(userID string) error) error {
	var ids []string
	err := read(ctx, t.bolt, "users with events", func(tx *bolt.Tx) error {
		seen := map[string]bool{}
		ids = nil
		c := tx.Bucket(bucketEvents).Cursor()
		for k, _ := c.First(); k != nil; {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return fmt.Errorf("corrupt event key %q", k)
			}
			id := string(k[:i])
			seen[id] = true
			ids = append(ids, id)
			k, _ = c.Seek(append([]byte(id), 1)) // past every key of id: they all go on with a NUL
		}
		return tx.Bucket(bucketCheckpoints).ForEach(func(k, _ []byte) error {
			if id := string(k); !seen[id] {
				ids = append(ids, id)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

func getCheckpoint(tx *bolt.Tx, userID string) (audit.Checkpoint, error) {
	raw := tx.Bucket(bucketCheckpoints).Get([]byte(userID))
	if raw == nil {
		return audit.Checkpoint{}, nil
	}
	var d checkpointDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return audit.Checkpoint{}, fmt.Errorf("corrupt checkpoint of %q: %w", userID, err)
	}
	return audit.Checkpoint{Seq: d.Seq, Hash: d.Hash}, nil
}

// eventKey is the key of a user's event: the user id, a NUL byte and the sequence number
// big-endian, so that a user's events are one run of keys (userPrefix) in the order of the chain.
// User ids never hold a NUL; appendEvent refuses one that does.
func eventKey(userID string, seq int64) []byte {
	return binary.BigEndian.AppendUint64(userPrefix(userID), uint64(seq))
}

func userPrefix(userID string) []byte {
	k := make([]byte, 0, len(userID)+1+8)
	return append(append(k, userID...), 0)
}

// isEventOf reports whether k is an event key in the run of prefix.
func isEventOf(k, prefix []byte) bool {
	return len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix)
}

func splitEventKey(k []byte) (string, int64, error) {
	if len(k) < 9 || k[len(k)-9] != 0 {
		return "", 0, fmt.Errorf("corrupt event index: key %q", k)
	}
	return string(k[:len(k)-9]), int64(binary.BigEndian.Uint64(k[len(k)-8:])), nil
}

// lastBelow positions c on the last key of prefix's run with a sequence number below seq, and
// returns it, or a key outside the run when there is none.
func lastBelow(c *bolt.Cursor, prefix []byte, seq uint64) ([]byte, []byte) {
	k, _ := c.Seek(binary.BigEndian.AppendUint64(bytes.Clone(prefix), seq))
	if k == nil {
		k, v := c.Last()
		if isEventOf(k, prefix) {
			return k, v
		}
		return nil, nil
	}
	k, v := c.Prev()
	if isEventOf(k, prefix) {
		return k, v
	}
	return nil, nil
}

// timeIndexKey is the events_by_time key of the event stored under key that happened at at.
func timeIndexKey(at time.Time, key []byte) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(key)), stamp(at)), key...)
}
