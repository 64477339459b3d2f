package boltstore_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/test/contract"
)

func TestDeleteExpiredRemovesOnlyExpiredSessions(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	db := open(t, path)
	s := db.Sessions()
	cutoff := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	// More sessions than one chunk, with expired and live ones interleaved in key order. The keys at
	// the chunk edges (999, 1000, 1999, 2000) are expired, so a resume that skips or repeats one shows.
	const n = 2500
	expiry := func(i int) time.Time {
		switch i % 5 {
		case 2:
			return cutoff.Add(time.Hour) // live
		case 3:
			return cutoff // the boundary is not "before": live
		default:
			return cutoff.Add(-time.Duration(i) * time.Minute)
		}
	}
	wantDeleted := 0
	var wg sync.WaitGroup
	for i := range n {
		if expiry(i).Before(cutoff) {
			wantDeleted++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess := contract.NewSession(fmt.Sprintf("%024x", i))
			sess.ExpiresAt = expiry(i)
			if i%7 == 0 {
				sess.RevokedAt = &sess.CreatedAt // revocation alone doesn't make a session deletable
			}
			if err := s.Create(ctx, sess); err != nil {
				t.Errorf("Create %d: %v", i, err)
			}
		}()
	}
	wg.Wait()

	deleted, err := s.DeleteExpired(ctx, cutoff)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if deleted != wantDeleted {
		t.Errorf("deleted %d sessions, want %d", deleted, wantDeleted)
	}
	for i := range n {
		_, err := s.ByID(ctx, fmt.Sprintf("%024x", i))
		gone := errors.Is(err, credential.ErrSessionNotFound)
		if err != nil && !gone {
			t.Fatalf("ByID %d: %v", i, err)
		}
		if wantGone := expiry(i).Before(cutoff); gone != wantGone {
			t.Errorf("session %d (expires %v): gone=%v, want %v", i, expiry(i), gone, wantGone)
		}
	}
	if again, err := s.DeleteExpired(ctx, cutoff); err != nil || again != 0 {
		t.Errorf("second DeleteExpired = %d, %v; want 0, nil", again, err)
	}
	// Every session is the one user's; listed as of before any expiry, those left are all there is.
	listed, err := s.ByUser(ctx, contract.NewSession("").UserID, cutoff.Add(-24*time.Hour*n))
	if err != nil || len(listed) != n-wantDeleted {
		t.Errorf("ByUser after the sweep = %d sessions, %v; want %d", len(listed), err, n-wantDeleted)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if entries := sessionIndex(t, path); len(entries) != n-wantDeleted {
		t.Errorf("the index holds %d entries after the sweep, want %d", len(entries), n-wantDeleted)
	}
}
