package boltstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
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
