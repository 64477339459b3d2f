package boltstore

import (
	"sync"

	bolt "go.etcd.io/bbolt"
)

// file is the open bbolt database with its group committer; every store shares one.
type file struct {
	db    *bolt.DB
	group groupCommit
}

// groupCommit commits concurrent writes together without waiting to gather them. bbolt's Batch
// holds every write for up to 10 ms hoping for company; here the first writer commits at once,
// writers that arrive meanwhile queue, and whoever finds the queue idle commits all that queued
// in one transaction and one fsync. Each write is acknowledged only after the transaction holding
// it committed, so durability is the same as a transaction per write.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*pendingWrite
	running bool
}

type pendingWrite struct {
	fn   func(*bolt.Tx) error
	done chan error
	lead chan struct{} // signalled when this writer is to commit the queue
}

// do runs fn in a read-write transaction, possibly shared with other writes. Like Batch, fn may
// run more than once and must derive everything from tx.
func (f *file) do(fn func(*bolt.Tx) error) error {
	w := &pendingWrite{fn: fn, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	f.group.mu.Lock()
	f.group.queue = append(f.group.queue, w)
	if !f.group.running {
		f.group.running = true
		w.lead <- struct{}{}
	}
	f.group.mu.Unlock()
	for {
		select {
		case err := <-w.done:
			return err
		case <-w.lead:
			f.commitQueue()
		}
	}
}

// commitQueue commits everything queued (the leader's own write among it) and passes leadership
// to the next writer that queued meanwhile, so no writer commits others' work for long.
func (f *file) commitQueue() {
	f.group.mu.Lock()
	batch := f.group.queue
	f.group.queue = nil
	f.group.mu.Unlock()
	f.commit(batch)
	f.group.mu.Lock()
	if len(f.group.queue) > 0 {
		f.group.queue[0].lead <- struct{}{}
	} else {
		f.group.running = false
	}
	f.group.mu.Unlock()
}

// commit runs batch in one transaction. A write whose fn fails rolls the transaction back, so it
// is answered with its error and the others are committed again without it.
func (f *file) commit(batch []*pendingWrite) {
	for len(batch) > 0 {
		failed := -1
		var failure error
		err := f.db.Update(func(tx *bolt.Tx) error {
			for i, w := range batch {
				if err := w.fn(tx); err != nil {
					failed, failure = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, w := range batch {
				w.done <- err
			}
			return
		}
		batch[failed].done <- failure
		batch = append(batch[:failed:failed], batch[failed+1:]...)
	}
}
