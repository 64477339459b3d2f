package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/user"
)

func TestGroupCommitIsolatesAFailingWrite(t *testing.T) {
	t.Parallel()
	db, err := Open(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	boom := errors.New("boom")
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.bolt.do(func(tx *bolt.Tx) error {
				if i == 7 {
					_ = tx.Bucket(bucketAttempts).Put([]byte("poison"), []byte("x")) // must roll back
					return boom
				}
				return tx.Bucket(bucketAttempts).Put([]byte(fmt.Sprint(i)), []byte("v"))
			})
		}()
	}
	wg.Wait()
	err = db.bolt.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAttempts)
		if b.Get([]byte("poison")) != nil {
			t.Error("the failing write's change was committed")
		}
		for i := range n {
			stored := b.Get([]byte(fmt.Sprint(i))) != nil
			switch {
			case i == 7 && !errors.Is(errs[i], boom):
				t.Errorf("the failing write got %v", errs[i])
			case i != 7 && (errs[i] != nil || !stored):
				t.Errorf("write %d: err %v, stored %v", i, errs[i], stored)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A write of a batch that fails runs the others again: notices of a change that ran in the
// rolled-back transaction must not reach the outbox, only those of the run that committed.
func TestGroupCommitQueuesOnlyTheCommittedRunsNotices(t *testing.T) {
	t.Parallel()
	db, err := Open(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	const n = 40
	for i := range n {
		if err := db.Users().Insert(ctx, &user.User{ID: user.ID(fmt.Sprintf("%024x", i)), Email: fmt.Sprintf("u%d@example.com", i)}); err != nil {
			t.Fatal(err)
		}
	}
	boom := errors.New("boom")
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			runs := 0
			_, err := db.Users().Update(ctx, user.ID(fmt.Sprintf("%024x", i)), func(u *user.User) error {
				runs++
				u.Notify(user.Notice{ID: fmt.Sprintf("u%d-run%d", i, runs), Kind: user.NoticeVerifyEmail})
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() { _ = db.bolt.do(func(*bolt.Tx) error { return boom }) })
	}
	wg.Wait()
	perUser := map[string]int{}
	err = db.bolt.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMail).ForEach(func(k, _ []byte) error {
			perUser[strings.SplitN(string(k), "-", 2)[0]]++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if got := perUser[fmt.Sprintf("u%d", i)]; got != 1 {
			t.Errorf("user %d has %d messages, want 1", i, got)
		}
	}
}
