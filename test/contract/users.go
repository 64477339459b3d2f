// Package contract holds the behaviour every implementation of a core store port must show.
// Each adapter's tests call these suites with a constructor for a fresh, empty store.
//
// The race cases (parallel writers of one thing, see Race) ask of a MongoDB store no more than
// MongoDB guarantees: one document changes atomically. FerretDB 1.x, the MongoDB the tests use
// unless AUTHD_TEST_MONGODB_URI names a real one, does not apply conditional writes atomically,
// so test/ferret puts it behind test/wireproxy, which lets one write command through at a time.
package contract

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/authd/authd/core/user"
)

var base = time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)

func str(s string) *string { return &s }

// NewUser returns a fully populated user with the given id and email.
func NewUser(id, email string) *user.User {
	last := base.Add(time.Hour)
	return &user.User{
		ID: user.ID(id), Email: email, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		IsActive: true, IsVerified: false, CreatedAt: base, LastLogin: &last,
		Profile:    user.Profile{FirstName: "Ada", LastName: "Lovelace", Bio: str("Analyst"), PhoneNumber: str("+441234567890")},
		TokenEpoch: 2, KeptSession: "0123456789abcdef01234567",
	}
}

func hexID(n int) string { return fmt.Sprintf("%024x", n) }

// ChangeToken is a change-email token of u naming email, as a request to move there leaves it.
// A store may rely on one when it moves a user (see user.Store.Update), so the contracts' moves
// come with it.
func ChangeToken(u *user.User, email string) user.Token {
	return user.Token{
		Purpose: user.ChangeEmail, Digest: user.Digest([]byte("move to " + email)), IssuedAt: base, ExpiresAt: base.Add(time.Hour),
		Epoch: u.TokenEpoch, Email: u.Email, NewEmail: email,
	}
}

// MoveTo is the change that confirms a move: it moves the user to email, which one of its tokens
// must name, as core's confirmation does.
func MoveTo(email string) func(*user.User) error {
	return func(u *user.User) error {
		if !u.PendingEmail(email) {
			return fmt.Errorf("contract: no change-email token names %s", email)
		}
		u.ChangeEmail(email)
		return nil
	}
}

// UserStore runs the user.Store contract against stores made by newStore.
func UserStore(t *testing.T, newStore func(t *testing.T) user.Store) {
	ctx := context.Background()

	t.Run("insert then read back by id and by email", func(t *testing.T) {
		s := newStore(t)
		want := NewUser(hexID(1), "ada@example.com")
		if err := s.Insert(ctx, want); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		for name, get := range map[string]func() (*user.User, error){
			"ByID":    func() (*user.User, error) { return s.ByID(ctx, want.ID) },
			"ByEmail": func() (*user.User, error) { return s.ByEmail(ctx, want.Email) },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			assertSameUser(t, got, want)
		}
	})

	t.Run("nil optional fields stay nil", func(t *testing.T) {
		s := newStore(t)
		want := NewUser(hexID(1), "bare@example.com")
		want.LastLogin, want.Profile.Bio, want.Profile.PhoneNumber, want.KeptSession = nil, nil, nil, ""
		if err := s.Insert(ctx, want); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		got, err := s.ByID(ctx, want.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameUser(t, got, want)
	})

	t.Run("unknown id and email are ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.ByID(ctx, user.ID(hexID(99))); !errors.Is(err, user.ErrNotFound) {
			t.Errorf("ByID: got %v, want ErrNotFound", err)
		}
		if _, err := s.ByEmail(ctx, "nobody@example.com"); !errors.Is(err, user.ErrNotFound) {
			t.Errorf("ByEmail: got %v, want ErrNotFound", err)
		}
	})

	t.Run("a taken email is refused and the first owner is untouched", func(t *testing.T) {
		s := newStore(t)
		first := NewUser(hexID(1), "dup@example.com")
		if err := s.Insert(ctx, first); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		second := NewUser(hexID(2), "dup@example.com")
		second.Profile.FirstName = "Mallory"
		if err := s.Insert(ctx, second); !errors.Is(err, user.ErrEmailTaken) {
			t.Fatalf("second Insert: got %v, want ErrEmailTaken", err)
		}
		got, err := s.ByEmail(ctx, "dup@example.com")
		if err != nil {
			t.Fatalf("ByEmail: %v", err)
		}
		assertSameUser(t, got, first)
		if _, err := s.ByID(ctx, second.ID); !errors.Is(err, user.ErrNotFound) {
			t.Errorf("refused user is readable by id: %v", err)
		}
	})

	t.Run("parallel inserts of one email: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		const n = 20
		wins, taken := Race(t, n, user.ErrEmailTaken, func(i int) error {
			return s.Insert(ctx, NewUser(hexID(100+i), "race@example.com"))
		})
		if wins != 1 || taken != n-1 {
			t.Fatalf("wins=%d taken=%d, want 1 and %d", wins, taken, n-1)
		}
	})

	t.Run("update applies the change and returns what it stored", func(t *testing.T) {
		s := newStore(t)
		u := NewUser(hexID(1), "v@example.com")
		if err := s.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		got, err := s.Update(ctx, u.ID, func(u *user.User) error {
			u.Profile.FirstName = "Grace"
			u.IsVerified = true
			return nil
		})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		u.Profile.FirstName, u.IsVerified = "Grace", true
		assertSameUser(t, got, u)
		stored, err := s.ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameUser(t, stored, u)
	})

	t.Run("a change's error stores nothing and comes back as is", func(t *testing.T) {
		s := newStore(t)
		u := NewUser(hexID(1), "refused@example.com")
		if err := s.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		refused := errors.New("refused")
		_, err := s.Update(ctx, u.ID, func(u *user.User) error {
			u.Profile.FirstName = "Mallory"
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatalf("Update: got %v, want the change's error", err)
		}
		stored, err := s.ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameUser(t, stored, u)
	})

	t.Run("update of a missing user is ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Update(ctx, user.ID(hexID(5)), func(*user.User) error { return nil })
		if !errors.Is(err, user.ErrNotFound) {
			t.Fatalf("Update: got %v, want ErrNotFound", err)
		}
	})

	t.Run("parallel updates all land, none lost", func(t *testing.T) {
		s := newStore(t)
		u := NewUser(hexID(1), "p@example.com")
		u.TokenEpoch = 0
		if err := s.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		const n = 10
		wins, _ := Race(t, n, nil, func(int) error {
			_, err := s.Update(ctx, u.ID, func(u *user.User) error { u.TokenEpoch++; return nil })
			return err
		})
		got, err := s.ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		if wins != n || got.TokenEpoch != n {
			t.Fatalf("%d of %d updates succeeded and the count is %d, want every one counted", wins, n, got.TokenEpoch)
		}
	})

	t.Run("tokens round-trip", func(t *testing.T) {
		s := newStore(t)
		u := NewUser(hexID(1), "tokens@example.com")
		u.Tokens = []user.Token{
			{Purpose: user.VerifyEmail, Digest: user.Digest([]byte("verify")), IssuedAt: base, ExpiresAt: base.Add(24 * time.Hour), Epoch: u.TokenEpoch, Email: u.Email},
			ChangeToken(u, "next@example.com"),
		}
		if err := s.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		stored, err := s.ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameUser(t, stored, u)
		reset := user.Token{Purpose: user.ResetPassword, Digest: user.Digest([]byte("reset")), IssuedAt: base.Add(time.Minute), ExpiresAt: base.Add(time.Hour)}
		got, err := s.Update(ctx, u.ID, func(u *user.User) error {
			u.IssueToken(reset)
			u.DropToken(user.VerifyEmail)
			return nil
		})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		u.IssueToken(reset)
		u.DropToken(user.VerifyEmail)
		assertSameUser(t, got, u)
		if stored, err = s.ByEmail(ctx, u.Email); err != nil {
			t.Fatalf("ByEmail: %v", err)
		}
		assertSameUser(t, stored, u)
		if _, err := s.Update(ctx, u.ID, func(u *user.User) error { u.Tokens = nil; return nil }); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if stored, err = s.ByID(ctx, u.ID); err != nil || len(stored.Tokens) != 0 {
			t.Fatalf("after every token was dropped: %+v, %v", stored, err)
		}
	})

	t.Run("a change may move the user to another email, and the old one is free", func(t *testing.T) {
		s := newStore(t)
		u := NewUser(hexID(1), "old@example.com")
		u.Tokens = []user.Token{ChangeToken(u, "new@example.com")}
		if err := s.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		got, err := s.Update(ctx, u.ID, MoveTo("new@example.com"))
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		u.ChangeEmail("new@example.com")
		assertSameUser(t, got, u)
		found, err := s.ByEmail(ctx, "new@example.com")
		if err != nil {
			t.Fatalf("ByEmail of the new email: %v", err)
		}
		assertSameUser(t, found, u)
		if _, err := s.ByEmail(ctx, "old@example.com"); !errors.Is(err, user.ErrNotFound) {
			t.Fatalf("ByEmail of the old email: got %v, want ErrNotFound", err)
		}
		if err := s.Insert(ctx, NewUser(hexID(2), "old@example.com")); err != nil {
			t.Fatalf("a registration of the old email: %v", err)
		}
		if found, err := s.ByEmail(ctx, "old@example.com"); err != nil || found.ID != user.ID(hexID(2)) {
			t.Fatalf("ByEmail of the old email after its registration: %+v, %v", found, err)
		}
		if err := s.Insert(ctx, NewUser(hexID(3), "new@example.com")); !errors.Is(err, user.ErrEmailTaken) {
			t.Fatalf("a registration of the new email: got %v, want ErrEmailTaken", err)
		}
	})

	t.Run("a move to a taken email is refused and changes nothing", func(t *testing.T) {
		s := newStore(t)
		u := NewUser(hexID(1), "mover@example.com")
		u.Tokens = []user.Token{ChangeToken(u, "taken@example.com")}
		owner := NewUser(hexID(2), "taken@example.com")
		for _, u := range []*user.User{u, owner} {
			if err := s.Insert(ctx, u); err != nil {
				t.Fatalf("Insert: %v", err)
			}
		}
		if _, err := s.Update(ctx, u.ID, MoveTo("taken@example.com")); !errors.Is(err, user.ErrEmailTaken) {
			t.Fatalf("Update: got %v, want ErrEmailTaken", err)
		}
		for email, want := range map[string]*user.User{u.Email: u, owner.Email: owner} {
			got, err := s.ByEmail(ctx, email)
			if err != nil {
				t.Fatalf("ByEmail(%s): %v", email, err)
			}
			assertSameUser(t, got, want)
		}
		got, err := s.ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameUser(t, got, u)
	})

	t.Run("parallel moves to one email: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		const n = 8
		const prize = "prize@example.com"
		movers := make([]*user.User, n)
		for i := range movers {
			movers[i] = NewUser(hexID(10+i), fmt.Sprintf("mover%d@example.com", i))
			movers[i].Tokens = []user.Token{ChangeToken(movers[i], prize)}
			if err := s.Insert(ctx, movers[i]); err != nil {
				t.Fatalf("Insert: %v", err)
			}
		}
		wins, taken := Race(t, n, user.ErrEmailTaken, func(i int) error {
			_, err := s.Update(ctx, movers[i].ID, MoveTo(prize))
			return err
		})
		if wins != 1 || taken != n-1 {
			t.Fatalf("wins=%d taken=%d, want 1 and %d", wins, taken, n-1)
		}
		owner, err := s.ByEmail(ctx, prize)
		if err != nil {
			t.Fatalf("ByEmail: %v", err)
		}
		for _, m := range movers {
			got, err := s.ByID(ctx, m.ID)
			if err != nil {
				t.Fatalf("ByID: %v", err)
			}
			switch {
			case got.ID == owner.ID && got.Email != prize:
				t.Errorf("ByEmail(%s) found %s, whose email is %s", prize, got.ID, got.Email)
			case got.ID != owner.ID && got.Email != m.Email:
				t.Errorf("mover %s lost the race but has email %s, want %s", got.ID, got.Email, m.Email)
			case got.ID != owner.ID:
				if kept, err := s.ByEmail(ctx, m.Email); err != nil || kept.ID != m.ID {
					t.Errorf("ByEmail of a loser's own email: %+v, %v", kept, err)
				}
			}
		}
	})

	t.Run("a move racing a registration of its email: exactly one owns it", func(t *testing.T) {
		s := newStore(t)
		for round := range 10 {
			email := fmt.Sprintf("contested%d@example.com", round)
			mover := NewUser(hexID(100+round), fmt.Sprintf("before%d@example.com", round))
			mover.Tokens = []user.Token{ChangeToken(mover, email)}
			if err := s.Insert(ctx, mover); err != nil {
				t.Fatalf("Insert: %v", err)
			}
			registrant := NewUser(hexID(200+round), email)
			wins, _ := Race(t, 2, user.ErrEmailTaken, func(i int) error {
				if i == 0 {
					_, err := s.Update(ctx, mover.ID, MoveTo(email))
					return err
				}
				return s.Insert(ctx, registrant)
			})
			if wins != 1 {
				t.Fatalf("round %d: %d of a move and a registration of one email won", round, wins)
			}
			owner, err := s.ByEmail(ctx, email)
			if err != nil {
				t.Fatalf("round %d: ByEmail: %v", round, err)
			}
			if owner.Email != email {
				t.Fatalf("round %d: ByEmail(%s) found %s, whose email is %s", round, email, owner.ID, owner.Email)
			}
			moved, err := s.ByID(ctx, mover.ID)
			if err != nil {
				t.Fatalf("round %d: ByID: %v", round, err)
			}
			_, regErr := s.ByID(ctx, registrant.ID)
			switch owner.ID {
			case mover.ID:
				if !errors.Is(regErr, user.ErrNotFound) {
					t.Fatalf("round %d: the move won, yet the refused registration reads back: %v", round, regErr)
				}
			case registrant.ID:
				if moved.Email != mover.Email {
					t.Fatalf("round %d: the registration won, yet the mover has email %s", round, moved.Email)
				}
			default:
				t.Fatalf("round %d: ByEmail found %s, neither racer", round, owner.ID)
			}
		}
	})

	t.Run("parallel updates that each need the state they read: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		u := NewUser(hexID(1), "cas@example.com")
		if err := s.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		read := u.PasswordHash
		moved := errors.New("the hash moved on")
		const n = 10
		wins, lost := Race(t, n, moved, func(i int) error {
			_, err := s.Update(ctx, u.ID, func(u *user.User) error {
				// As a password change does: only over the hash its caller checked.
				if u.PasswordHash != read {
					return moved
				}
				u.PasswordHash = fmt.Sprintf("hash-of-writer-%d", i)
				return nil
			})
			return err
		})
		if wins != 1 || lost != n-1 {
			t.Fatalf("wins=%d lost=%d, want 1 and %d", wins, lost, n-1)
		}
	})
}

func assertSameUser(t *testing.T, got, want *user.User) {
	t.Helper()
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", g.CreatedAt, w.CreatedAt)
	}
	if (g.LastLogin == nil) != (w.LastLogin == nil) || (g.LastLogin != nil && !g.LastLogin.Equal(*w.LastLogin)) {
		t.Errorf("LastLogin = %v, want %v", g.LastLogin, w.LastLogin)
	}
	if (g.DeletedAt == nil) != (w.DeletedAt == nil) || (g.DeletedAt != nil && !g.DeletedAt.Equal(*w.DeletedAt)) {
		t.Errorf("DeletedAt = %v, want %v", g.DeletedAt, w.DeletedAt)
	}
	if !samePtr(g.Profile.Bio, w.Profile.Bio) || !samePtr(g.Profile.PhoneNumber, w.Profile.PhoneNumber) {
		t.Errorf("Profile = %+v, want %+v", g.Profile, w.Profile)
	}
	if len(g.Outbox) != 0 {
		t.Errorf("a stored user came back with notices in its Outbox: %+v", g.Outbox)
	}
	if len(g.Events) != 0 {
		t.Errorf("a stored user came back with events: %+v", g.Events)
	}
	if len(g.Tokens) != len(w.Tokens) {
		t.Errorf("Tokens = %+v, want %+v", g.Tokens, w.Tokens)
	} else {
		for i := range g.Tokens {
			gt, wt := g.Tokens[i], w.Tokens[i]
			if !gt.IssuedAt.Equal(wt.IssuedAt) || !gt.ExpiresAt.Equal(wt.ExpiresAt) {
				t.Errorf("Tokens[%d] times = %v, %v; want %v, %v", i, gt.IssuedAt, gt.ExpiresAt, wt.IssuedAt, wt.ExpiresAt)
			}
			gt.IssuedAt, gt.ExpiresAt, wt.IssuedAt, wt.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if gt != wt {
				t.Errorf("Tokens[%d] = %+v, want %+v", i, gt, wt)
			}
		}
	}
	g.Tokens, w.Tokens, g.Outbox, w.Outbox, g.Events, w.Events = nil, nil, nil, nil, nil, nil
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	g.LastLogin, w.LastLogin, g.DeletedAt, w.DeletedAt = nil, nil, nil, nil
	g.Profile.Bio, w.Profile.Bio, g.Profile.PhoneNumber, w.Profile.PhoneNumber = nil, nil, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("user = %+v\nwant   %+v", g, w)
	}
}

func samePtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
