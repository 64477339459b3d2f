package mongostore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
)

// These races are particular to this adapter (its email keys, its turns); the contract's parallel
// cases, a rotation racing a revocation among them, cover the rest on three replicas.

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
			_, err := s.Attempts().Update(ctx, "register/ip/192.0.2.1", func(a *throttle.Attempts) error {
				calls.Add(1)
				a.Count++
				return nil
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
