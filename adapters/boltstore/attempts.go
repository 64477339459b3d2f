package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/throttle"
)

var _ throttle.Store = (*Attempts)(nil)

// Attempts keeps throttling counters, one small document per key. What a counter has settled
// (failures, their times) is durable; the attempts it has admitted and not yet settled are kept in
// this process's memory only. bbolt's file lock makes this process the file's only user, so no
// other process needs to see them, and after a crash they are as gone as they would be once their
// pending timeout passed. Admitting and settling a login that changes no failure count therefore
// writes nothing.
type Attempts struct {
	bolt *file

	mu   sync.Mutex
	keys map[string]*keyState // keys with a caller inside Update or attempts in flight
}

// keyState serialises Update for one key and holds its attempts in flight.
type keyState struct {
	mu       sync.Mutex
	users    int // callers holding or waiting for mu; the entry goes when none is left and nothing is in flight
	pending  int
	reserved time.Time
}

func newAttempts(f *file) *Attempts {
	return &Attempts{bolt: f, keys: map[string]*keyState{}}
}

type attemptDoc struct {
	Count int       `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

func decodeAttempts(raw []byte) (throttle.Attempts, error) {
	if raw == nil {
		return throttle.Attempts{}, nil
	}
	// Files written before pending attempts moved to memory still carry "pending" and "reserved";
	// like everything in flight at a restart, they are forgotten.
	var d attemptDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return throttle.Attempts{}, fmt.Errorf("corrupt attempts document: %w", err)
	}
	return throttle.Attempts{Count: d.Count, First: d.First.UTC(), Last: d.Last.UTC()}, nil
}

// settled is the durable part of a counter.
func settled(a throttle.Attempts) throttle.Attempts {
	return throttle.Attempts{Count: a.Count, First: a.First, Last: a.Last}
}

// Update implements throttle.Store. Updates of one key run one at a time; the durable part is
// written, in one transaction, only when change altered it.
func (s *Attempts) Update(ctx context.Context, key string, change func(*throttle.Attempts) error) (*throttle.Attempts, error) {
	k := s.lock(key)
	defer s.unlock(key, k)
	var cur throttle.Attempts
	err := read(ctx, s.bolt, "read attempts", func(tx *bolt.Tx) error {
		var err error
		cur, err = decodeAttempts(tx.Bucket(bucketAttempts).Get([]byte(key)))
		return err
	})
	if err != nil {
		return nil, err
	}
	cur.Pending, cur.Reserved = k.pending, k.reserved
	next := cur
	if err := change(&next); err != nil {
		return nil, err
	}
	if settled(next) != settled(cur) {
		raw, err := json.Marshal(attemptDoc{Count: next.Count, First: next.First.UTC(), Last: next.Last.UTC()})
		if err != nil {
			return nil, err
		}
		// No other writer of this key exists while k is held, so the write needs no re-read.
		err = write(ctx, s.bolt, "update attempts", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAttempts).Put([]byte(key), raw)
		})
		if err != nil {
			return nil, err
		}
	}
	k.pending, k.reserved = next.Pending, next.Reserved.UTC()
	return &next, nil
}

func (s *Attempts) lock(key string) *keyState {
	s.mu.Lock()
	k, ok := s.keys[key]
	if !ok {
		k = &keyState{}
		s.keys[key] = k
	}
	k.users++
	s.mu.Unlock()
	k.mu.Lock()
	return k
}

func (s *Attempts) unlock(key string, k *keyState) {
	k.mu.Unlock()
	s.mu.Lock()
	k.users--
	if k.users == 0 && k.pending == 0 {
		delete(s.keys, key)
	}
	s.mu.Unlock()
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
			if err != nil || (a.Last.Before(before) && a.First.Before(before)) {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	// Attempts admitted before the cut-off whose outcome never came are long past any pending
	// timeout; their keys' memory goes with them.
	s.mu.Lock()
	for key, k := range s.keys {
		if k.users == 0 && k.reserved.Before(before) {
			delete(s.keys, key)
		}
	}
	s.mu.Unlock()
	return n, err
}
