package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
)

// These races are the ones FerretDB 1.x loses with plain conditional updates, whose find and write
// are separate steps; the contract's own parallel cases cover writers of one kind.

func TestRotateRevokeRaceKeepsRevocation(t *testing.T) {
	ctx := context.Background()
	s, db := connect(t)
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
	assertNoClaims(t, db)
}

func TestParallelTakeoverOfStaleClaim(t *testing.T) {
	ctx := context.Background()
	s, db := connect(t)
	u := contract.NewUser(hexID(1), "crashed@example.com")
	if err := s.Users().Insert(ctx, u); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	plantClaim(t, db, "users/"+string(u.ID)+"/0", 2*time.Minute)
	const n = 10
	wins, conflicts := contract.Race(t, n, user.ErrConflict, func(i int) error {
		c := *u
		c.Profile.FirstName = fmt.Sprintf("Writer%d", i)
		return s.Users().Update(ctx, &c)
	})
	if wins != 1 || conflicts != n-1 {
		t.Fatalf("wins=%d conflicts=%d, want 1 and %d", wins, conflicts, n-1)
	}
	assertNoClaims(t, db)
}

func TestParallelTakeoversOfAnOrphanedEmailHaveOneWinner(t *testing.T) {
	ctx := context.Background()
	for round := range 10 {
		s, db := connect(t)
		email := fmt.Sprintf("orphan%d@example.com", round)
		claim := bson.D{
			{Key: "_id", Value: email}, {Key: "user_id", Value: "0000000000000000000000ff"},
			{Key: "created_at", Value: time.Now().Add(-2 * time.Minute)},
		}
		if _, err := rawDB(t, db).Collection("emails").InsertOne(ctx, claim); err != nil {
			t.Fatalf("write orphaned claim: %v", err)
		}
		const n = 8
		wins, _ := contract.Race(t, n, user.ErrEmailTaken, func(i int) error {
			return s.Users().Insert(ctx, contract.NewUser(fmt.Sprintf("%024x", 0x100+i), email))
		})
		if wins != 1 {
			t.Fatalf("round %d: %d registrations took over one orphaned email", round, wins)
		}
	}
}
