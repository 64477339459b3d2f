package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
)

// These races are the ones FerretDB 1.x loses on its own, since its conditional writes are a find
// and a write by _id (test/ferret serialises them); the contract's own parallel cases cover
// writers of one kind.

func TestRotateRevokeRaceKeepsRevocation(t *testing.T) {
	ctx := context.Background()
	s, _ := connect(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 30 {
		sess := contract.NewSession(hexID(i + 1))
		if err := s.Sessions().Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		start := make(chan struct{})
		var rotateErr, revokeErr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			rotateErr = s.Sessions().Rotate(ctx, sess.ID, sess.RefreshID, "next", sess.ExpiresAt.Add(time.Hour))
		}()
		go func() {
			defer wg.Done()
			<-start
			revokeErr = s.Sessions().Revoke(ctx, sess.ID, at)
		}()
		close(start)
		wg.Wait()
		if rotateErr != nil && !errors.Is(rotateErr, credential.ErrStaleRefresh) {
			t.Fatalf("round %d: Rotate: %v", i, rotateErr)
		}
		if revokeErr != nil {
			t.Fatalf("round %d: Revoke: %v", i, revokeErr)
		}
		got, err := s.Sessions().ByID(ctx, sess.ID)
		if err != nil {
			t.Fatalf("round %d: ByID: %v", i, err)
		}
		if got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
			t.Fatalf("round %d: RevokedAt = %v, want %v (Rotate returned %v)", i, got.RevokedAt, at, rotateErr)
		}
	}
}

func TestParallelTakeoversOfAnOrphanedEmailHaveOneWinner(t *testing.T) {
	ctx := context.Background()
	for round := range 10 {
		r, db := connectReplicas(t, 4)
		email := fmt.Sprintf("orphan%d@example.com", round)
		plantEmailKey(t, db, email, "0000000000000000000000ff")
		const n = 8
		wins, _ := contract.Race(t, n, user.ErrEmailTaken, func(i int) error {
			return replicaUsers{r}.Insert(ctx, contract.NewUser(fmt.Sprintf("%024x", 0x100+i), email))
		})
		if wins != 1 {
			t.Fatalf("round %d: %d registrations took over one orphaned email", round, wins)
		}
	}
}

// TestWritersOfOneKeyInOneProcessTakeTurns: a burst on one counter in one replica costs each
// writer one try, not a herd of compare-and-swaps that all but one lose.
func TestWritersOfOneKeyInOneProcessTakeTurns(t *testing.T) {
	ctx := context.Background()
	s, _ := connect(t)
	const n = 20
	var calls atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := s.Attempts().Update(ctx, "register/ip/192.0.2.1", func(a credential.Attempts) credential.Attempts {
				calls.Add(1)
				a.Count++
				return a
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := calls.Load(); got != n {
		t.Fatalf("%d updates applied their change %d times, want once each", n, got)
	}
}
