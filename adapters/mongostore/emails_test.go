package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
)

// What a move of a user's email leaves behind when its writer dies between its writes.

// TestKeyOfAMoveNeverMade: a crash after a move claimed its new key leaves the key naming a user
// with the old email. It finds nobody, and holds the email while the user's token names it, since
// the move may yet be made; once the token is gone it is an orphan.
func TestKeyOfAMoveNeverMade(t *testing.T) {
	ctx := context.Background()
	s, db := connect(t)
	const to = "next@example.com"
	u := contract.NewUser(hexID(1), "first@example.com")
	u.Tokens = []user.Token{contract.ChangeToken(u, to)}
	if err := s.Users().Insert(ctx, u); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	plantEmailKey(t, db, to, string(u.ID))
	if _, err := s.Users().ByEmail(ctx, to); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("ByEmail of the claimed email: got %v, want ErrNotFound", err)
	}
	if err := s.Users().Insert(ctx, contract.NewUser(hexID(2), to)); !errors.Is(err, user.ErrEmailTaken) {
		t.Fatalf("a registration while the token names the email: got %v, want ErrEmailTaken", err)
	}
	if _, err := s.Users().Update(ctx, u.ID, func(u *user.User) error { u.DropToken(user.ChangeEmail); return nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := s.Users().Insert(ctx, contract.NewUser(hexID(3), to)); err != nil {
		t.Fatalf("a registration once no token names the email: %v", err)
	}
	if got, err := s.Users().ByEmail(ctx, to); err != nil || got.ID != user.ID(hexID(3)) {
		t.Fatalf("ByEmail: %+v, %v; want the registration", got, err)
	}
}

// TestMoveFinishesOverItsOwnLeftKey: a move tried again after such a crash finds the key its own.
func TestMoveFinishesOverItsOwnLeftKey(t *testing.T) {
	ctx := context.Background()
	s, db := connect(t)
	const to = "next@example.com"
	u := contract.NewUser(hexID(1), "first@example.com")
	u.Tokens = []user.Token{contract.ChangeToken(u, to)}
	if err := s.Users().Insert(ctx, u); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	plantEmailKey(t, db, to, string(u.ID))
	if _, err := s.Users().Update(ctx, u.ID, contract.MoveTo(to)); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got, err := s.Users().ByEmail(ctx, to); err != nil || got.ID != u.ID {
		t.Fatalf("ByEmail: %+v, %v; want the mover", got, err)
	}
}

// TestKeyMovedAwayFrom: a crash after a move but before its old key went leaves that key naming a
// user with another email, which is an orphan at once.
func TestKeyMovedAwayFrom(t *testing.T) {
	ctx := context.Background()
	s, db := connect(t)
	const from, to = "first@example.com", "next@example.com"
	u := contract.NewUser(hexID(1), from)
	u.Tokens = []user.Token{contract.ChangeToken(u, to)}
	if err := s.Users().Insert(ctx, u); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	if _, err := s.Users().Update(ctx, u.ID, contract.MoveTo(to)); err != nil {
		t.Fatalf("Update: %v", err)
	}
	plantEmailKey(t, db, from, string(u.ID))
	if _, err := s.Users().ByEmail(ctx, from); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("ByEmail of the old email: got %v, want ErrNotFound", err)
	}
	if err := s.Users().Insert(ctx, contract.NewUser(hexID(2), from)); err != nil {
		t.Fatalf("a registration of the old email: %v", err)
	}
}

// TestClearerMissesAKeyReclaimedByItsUser: a registration that finds a key naming a user without
// the email or a token for it clears it; if that user meanwhile got a token and reclaimed the key
// to move there, the clearer's delete must miss (the nonce), or both would end up with the email.
func TestClearerMissesAKeyReclaimedByItsUser(t *testing.T) {
	ctx := context.Background()
	r, db := connectReplicas(t, 4)
	users := replicaUsers{r}
	for round := range 50 {
		to := fmt.Sprintf("contested%d@example.com", round)
		mover := contract.NewUser(hexID(0x100+round), fmt.Sprintf("mover%d@example.com", round))
		if err := users.Insert(ctx, mover); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		plantEmailKey(t, db, to, string(mover.ID)) // an abandoned move's: no token names it
		registrant := contract.NewUser(hexID(0x200+round), to)
		wins, _ := contract.Race(t, 2, user.ErrEmailTaken, func(i int) error {
			if i == 1 {
				return users.Insert(ctx, registrant)
			}
			_, err := users.Update(ctx, mover.ID, func(u *user.User) error {
				u.IssueToken(contract.ChangeToken(u, to))
				return nil
			})
			if err != nil {
				return err
			}
			_, err = users.Update(ctx, mover.ID, contract.MoveTo(to))
			return err
		})
		moved, err := users.ByID(ctx, mover.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		_, regErr := users.ByID(ctx, registrant.ID)
		if wins != 1 || (moved.Email == to) == (regErr == nil) {
			t.Fatalf("round %d: %d won; the mover has %s, the registration reads back: %v", round, wins, moved.Email, regErr)
		}
		owner, err := users.ByEmail(ctx, to)
		if err != nil || owner.Email != to {
			t.Fatalf("round %d: ByEmail = %+v, %v", round, owner, err)
		}
	}
}
