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
	if !samePtr(g.Profile.Bio, w.Profile.Bio) || !samePtr(g.Profile.PhoneNumber, w.Profile.PhoneNumber) {
		t.Errorf("Profile = %+v, want %+v", g.Profile, w.Profile)
	}
	if len(g.Outbox) != 0 {
		t.Errorf("a stored user came back with notices in its Outbox: %+v", g.Outbox)
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
	g.Tokens, w.Tokens, g.Outbox, w.Outbox = nil, nil, nil, nil
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	g.LastLogin, w.LastLogin = nil, nil
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
