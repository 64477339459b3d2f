package boltstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/throttle"
)

func lastTx(t *testing.T, db *DB) int {
	t.Helper()
	var id int
	if err := db.bolt.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// Admitting and settling an attempt that changes no failure count, as every successful login does,
// commits nothing; a failure commits once; a restart forgets what was in flight and keeps the count.
func TestAttemptsInFlightCostNoCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "authd.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	admit := func(a *throttle.Attempts) error { a.Pending++; a.Reserved = now; return nil }
	succeed := func(a *throttle.Attempts) error { a.Pending--; return nil }
	fail := func(a *throttle.Attempts) error {
		a.Pending--
		a.Count++
		a.First, a.Last = now, now
		return nil
	}
	s := db.Attempts()
	before := lastTx(t, db)
	for _, change := range []func(*throttle.Attempts) error{admit, admit, succeed} {
		if _, err := s.Update(ctx, "login/account/a@example.com", change); err != nil {
			t.Fatal(err)
		}
	}
	if got := lastTx(t, db); got != before {
		t.Fatalf("admitting and settling a success committed %d transactions", got-before)
	}
	a, err := s.Update(ctx, "login/account/a@example.com", fail)
	if err != nil || a.Count != 1 || a.Pending != 0 {
		t.Fatalf("after a failure: %+v, %v", a, err)
	}
	if got := lastTx(t, db); got != before+1 {
		t.Fatalf("a failure committed %d transactions, want 1", got-before)
	}
	if _, err := s.Update(ctx, "login/account/a@example.com", admit); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err = db.Attempts().Update(ctx, "login/account/a@example.com", func(*throttle.Attempts) error { return nil })
	if err != nil || a.Count != 1 || a.Pending != 0 || !a.Last.Equal(now) {
		t.Fatalf("after a restart: %+v, %v; want the failure kept and nothing in flight", a, err)
	}
	if n := len(db.Attempts().keys); n != 0 {
		t.Errorf("%d keys are held in memory with nothing in flight", n)
	}
}
