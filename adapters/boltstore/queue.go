package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/mail"
)

// bucketMailIndex orders the mail bucket for Claim and Backlog (see queue).
var bucketMailIndex = []byte("mail_index")

var (
	indexReady   = []byte("ready")   // nested in bucketMailIndex
	indexCreated = []byte("created") // nested in bucketMailIndex
	keyCount     = []byte("count")   // in bucketMailIndex: how many messages, big-endian uint64
)

// queue is the mail bucket with its index, in one transaction. The ready bucket orders the
// messages by when they may next be claimed (messageDoc.ready), the created bucket by CreatedAt,
// both keyed by timeKey with empty values, so that Claim and Backlog read the first key instead
// of decoding every message. Every write to the mail bucket goes through put or remove, which
// keep the index in step in the same transaction.
//
// The count is a kept value because bbolt counts a bucket's keys only by walking all its pages
// (Bucket.Stats). The oldest message has an index of its own, not a kept value: once it is sent,
// only an ordering says which message is oldest next.
type queue struct {
	mail, index, ready, created *bolt.Bucket
}

func queueOf(tx *bolt.Tx) queue {
	index := tx.Bucket(bucketMailIndex)
	return queue{
		mail: tx.Bucket(bucketMail), index: index,
		ready: index.Bucket(indexReady), created: index.Bucket(indexCreated),
	}
}

// get returns the message stored under id, or nil.
func (q queue) get(id []byte) (*messageDoc, error) {
	raw := q.mail.Get(id)
	if raw == nil {
		return nil, nil
	}
	d, err := decodeMessage(id, raw)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// head is the ready key of the message ready soonest, if it is ready at now; nil otherwise.
func (q queue) head(now time.Time) []byte {
	k, _ := q.ready.Cursor().First()
	if len(k) <= 8 || binary.BigEndian.Uint64(k) > stamp(now) {
		return nil
	}
	return k
}

// claimable is the message ready soonest, if it is ready at now; nil otherwise.
func (q queue) claimable(now time.Time) (*messageDoc, error) {
	k := q.head(now)
	if k == nil {
		return nil, nil
	}
	d, err := q.get(k[8:])
	if err != nil {
		return nil, err
	}
	// put moves the entry the document implies, so one that disagrees would stay behind for ever.
	if d == nil || !bytes.Equal(k, timeKey(d.ready(), d.ID)) {
		return nil, fmt.Errorf("corrupt mail index: message %q is not where its entry says", k[8:])
	}
	return d, nil
}

// put stores d, which replaces was (nil for a new message), and moves its index entries.
func (q queue) put(was *messageDoc, d messageDoc) error {
	raw, err := encode("message", d.ID, d)
	if err != nil {
		return err
	}
	if err := q.mail.Put([]byte(d.ID), raw); err != nil {
		return fmt.Errorf("put message: %w", err)
	}
	if was == nil {
		return q.add(d)
	}
	if err := q.ready.Delete(timeKey(was.ready(), was.ID)); err != nil {
		return fmt.Errorf("unindex message: %w", err)
	}
	if err := q.ready.Put(timeKey(d.ready(), d.ID), nil); err != nil {
		return fmt.Errorf("index message: %w", err)
	}
	return nil
}

// add enters d, a message the index does not hold yet, into it.
func (q queue) add(d messageDoc) error {
	if err := q.ready.Put(timeKey(d.ready(), d.ID), nil); err != nil {
		return fmt.Errorf("index message: %w", err)
	}
	if err := q.created.Put(timeKey(d.CreatedAt, d.ID), nil); err != nil {
		return fmt.Errorf("index message: %w", err)
	}
	return q.addCount(1)
}

// remove deletes d and its index entries.
func (q queue) remove(d messageDoc) error {
	if err := q.mail.Delete([]byte(d.ID)); err != nil {
		return fmt.Errorf("delete message: %w", err)
	}
	if err := q.ready.Delete(timeKey(d.ready(), d.ID)); err != nil {
		return fmt.Errorf("unindex message: %w", err)
	}
	if err := q.created.Delete(timeKey(d.CreatedAt, d.ID)); err != nil {
		return fmt.Errorf("unindex message: %w", err)
	}
	return q.addCount(-1)
}

// backlog counts the messages and reads the oldest's document, which is the record of when it
// was created (its key is that time only to the nanosecond, and clamped) and whose damage the
// backlog should report as a scan of every message would.
func (q queue) backlog() (mail.Backlog, error) {
	n, err := q.count()
	if err != nil || n == 0 {
		return mail.Backlog{}, err
	}
	k, _ := q.created.Cursor().First()
	if len(k) <= 8 {
		return mail.Backlog{}, fmt.Errorf("corrupt mail index: %d messages but none by creation", n)
	}
	d, err := q.get(k[8:])
	if err != nil {
		return mail.Backlog{}, err
	}
	if d == nil {
		return mail.Backlog{}, fmt.Errorf("corrupt mail index: the oldest message %q is missing", k[8:])
	}
	return mail.Backlog{Count: int(n), Oldest: d.CreatedAt}, nil
}

func (q queue) count() (uint64, error) {
	v := q.index.Get(keyCount)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("corrupt mail index: count %x", v)
	}
	return binary.BigEndian.Uint64(v), nil
}

func (q queue) addCount(delta int) error {
	n, err := q.count()
	if err != nil {
		return err
	}
	if err := q.index.Put(keyCount, binary.BigEndian.AppendUint64(nil, uint64(int64(n)+int64(delta)))); err != nil {
		return fmt.Errorf("count messages: %w", err)
	}
	return nil
}

// indexMail builds the mail bucket's index when the file has none, as in a file written before
// the index existed, so that the messages queued then are claimed like those queued since.
func indexMail(tx *bolt.Tx) error {
	if index := tx.Bucket(bucketMailIndex); index != nil {
		if index.Bucket(indexReady) != nil && index.Bucket(indexCreated) != nil {
			return nil
		}
		if err := tx.DeleteBucket(bucketMailIndex); err != nil {
			return fmt.Errorf("delete partial mail index: %w", err)
		}
	}
	index, err := tx.CreateBucket(bucketMailIndex)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketMailIndex, err)
	}
	for _, name := range [][]byte{indexReady, indexCreated} {
		if _, err := index.CreateBucket(name); err != nil {
			return fmt.Errorf("create bucket %s/%s: %w", bucketMailIndex, name, err)
		}
	}
	q := queueOf(tx)
	return q.mail.ForEach(func(k, v []byte) error {
		d, err := decodeMessage(k, v)
		if err != nil {
			return err
		}
		return q.add(d) // not put: ForEach's function must leave the mail bucket alone
	})
}

// timeKey is t and id as an index key: t as stamp, then id, which keeps apart the messages of
// one nanosecond and orders them by id.
func timeKey(t time.Time, id string) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(id)), stamp(t)), id...)
}

// stampMin and stampMax are the times UnixNano can represent.
var stampMin, stampMax = time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)

// stamp is t's Unix nanoseconds with the sign bit flipped, so that stamps compare as unsigned
// numbers, and big-endian keys as bytes, in the order of their times. Times UnixNano cannot
// represent (a zero time among them) clamp to its range rather than wrap around.
func stamp(t time.Time) uint64 {
	ns := t.UnixNano()
	switch {
	case t.Before(stampMin):
		ns = math.MinInt64
	case t.After(stampMax):
		ns = math.MaxInt64
	}
	return uint64(ns) ^ 1<<63
}
