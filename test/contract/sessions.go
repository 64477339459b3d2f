package contract

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// NewSession returns an active session of user hexID(1) with the given id, last used when it was
// created, with no device and no rotation, as a login that keeps no device opens one.
func NewSession(id string) *credential.Session {
	return &credential.Session{
		ID: id, UserID: hexID(1), RefreshID: "r-" + id, Epoch: 3,
		CreatedAt: base, ExpiresAt: base.Add(7 * 24 * time.Hour), LastUsedAt: base,
	}
}

// SessionStore runs the credential.SessionStore contract against stores made by newStores: a
// fresh session store and the user store of the same database, whose users its Open records logins for.
func SessionStore(t *testing.T, newStores func(t *testing.T) (user.Store, credential.SessionStore)) {
	ctx := context.Background()
	newStore := func(t *testing.T) credential.SessionStore {
		_, s := newStores(t)
		return s
	}

	t.Run("create then read back", func(t *testing.T) {
		s := newStore(t)
		want := NewSession(hexID(1))
		if err := s.Create(ctx, want); err != nil {
			t.Fatalf("Create: %v", err)
		}
		got, err := s.ByID(ctx, want.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameSession(t, got, want)
	})

	t.Run("unknown session is ErrSessionNotFound everywhere", func(t *testing.T) {
		s := newStore(t)
		id := hexID(42)
		if _, err := s.ByID(ctx, id); !errors.Is(err, credential.ErrSessionNotFound) {
			t.Errorf("ByID: got %v", err)
		}
		if _, err := s.Update(ctx, id, credential.Rotate("a", "b", base)); !errors.Is(err, credential.ErrSessionNotFound) {
			t.Errorf("Rotate: got %v", err)
		}
		if _, err := s.Update(ctx, id, credential.Revoke(base)); !errors.Is(err, credential.ErrSessionNotFound) {
			t.Errorf("Revoke: got %v", err)
		}
	})

	t.Run("rotate replaces the refresh id once", func(t *testing.T) {
		s := newStore(t)
		sess := NewSession(hexID(1))
		if err := s.Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		later := sess.ExpiresAt.Add(time.Hour)
		rotated, err := s.Update(ctx, sess.ID, credential.Rotate(sess.RefreshID, "next", later))
		if err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if _, err := s.Update(ctx, sess.ID, credential.Rotate(sess.RefreshID, "again", later)); !errors.Is(err, credential.ErrStaleRefresh) {
			t.Fatalf("second Rotate with spent id: got %v, want ErrStaleRefresh", err)
		}
		got, err := s.ByID(ctx, sess.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		sess.RefreshID, sess.ExpiresAt = "next", later
		assertSameSession(t, rotated, sess)
		assertSameSession(t, got, sess)
	})

	t.Run("a revoked session can't rotate and keeps its first revocation time", func(t *testing.T) {
		s := newStore(t)
		sess := NewSession(hexID(1))
		if err := s.Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		at := base.Add(time.Minute)
		if _, err := s.Update(ctx, sess.ID, credential.Revoke(at)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if _, err := s.Update(ctx, sess.ID, credential.Revoke(at.Add(time.Minute))); err != nil {
			t.Fatalf("second Revoke: %v", err)
		}
		if _, err := s.Update(ctx, sess.ID, credential.Rotate(sess.RefreshID, "next", at)); !errors.Is(err, credential.ErrSessionRevoked) {
			t.Fatalf("Rotate on revoked: got %v, want ErrSessionRevoked", err)
		}
		got, err := s.ByID(ctx, sess.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		sess.RevokedAt = &at
		assertSameSession(t, got, sess)
	})

	t.Run("parallel rotations of one refresh id: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		sess := NewSession(hexID(1))
		if err := s.Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		const n = 10
		wins, stale := Race(t, n, credential.ErrStaleRefresh, func(i int) error {
			_, err := s.Update(ctx, sess.ID, credential.Rotate(sess.RefreshID, hexID(1000+i), sess.ExpiresAt))
			return err
		})
		if wins != 1 || stale != n-1 {
			t.Fatalf("wins=%d stale=%d, want 1 and %d", wins, stale, n-1)
		}
	})

	t.Run("a rotation racing a revocation never brings the session back", func(t *testing.T) {
		s := newStore(t)
		for round := range 30 {
			sess := NewSession(hexID(100 + round))
			if err := s.Create(ctx, sess); err != nil {
				t.Fatalf("Create: %v", err)
			}
			at := base.Add(time.Minute)
			Race(t, 2, credential.ErrSessionRevoked, func(i int) error {
				if i == 0 {
					_, err := s.Update(ctx, sess.ID, credential.Revoke(at))
					return err
				}
				_, err := s.Update(ctx, sess.ID, credential.Rotate(sess.RefreshID, "next", sess.ExpiresAt))
				return err
			})
			got, err := s.ByID(ctx, sess.ID)
			if err != nil {
				t.Fatalf("ByID: %v", err)
			}
			if got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
				t.Fatalf("round %d: after a rotation raced a revocation, RevokedAt = %v, want %v", round, got.RevokedAt, at)
			}
		}
	})

	t.Run("sessions are independent", func(t *testing.T) {
		s := newStore(t)
		a, b := NewSession(hexID(1)), NewSession(hexID(2))
		for _, sess := range []*credential.Session{a, b} {
			if err := s.Create(ctx, sess); err != nil {
				t.Fatalf("Create: %v", err)
			}
		}
		if _, err := s.Update(ctx, a.ID, credential.Revoke(base)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		got, err := s.ByID(ctx, b.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameSession(t, got, b)
	})

	t.Run("open stores the session and the login it records, together", func(t *testing.T) {
		users, s := newStores(t)
		u := NewUser(hexID(1), "open@example.com")
		if err := users.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		sess := NewSession(hexID(7))
		last := base.Add(2 * time.Hour)
		got, err := s.Open(ctx, sess, func(u *user.User) error { u.LastLogin = &last; return nil })
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		u.LastLogin = &last
		assertSameUser(t, got, u)
		stored, err := users.ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameUser(t, stored, u)
		opened, err := s.ByID(ctx, sess.ID)
		if err != nil {
			t.Fatalf("session ByID: %v", err)
		}
		assertSameSession(t, opened, sess)
	})

	t.Run("a refused login stores neither the session nor the user's change", func(t *testing.T) {
		users, s := newStores(t)
		u := NewUser(hexID(1), "refused@example.com")
		if err := users.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		refused := errors.New("refused")
		sess := NewSession(hexID(8))
		_, err := s.Open(ctx, sess, func(u *user.User) error { u.Profile.FirstName = "Mallory"; return refused })
		if !errors.Is(err, refused) {
			t.Fatalf("Open: got %v, want the record's error", err)
		}
		if _, err := s.ByID(ctx, sess.ID); !errors.Is(err, credential.ErrSessionNotFound) {
			t.Errorf("the session of a refused login was stored: %v", err)
		}
		stored, err := users.ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameUser(t, stored, u)
	})

	t.Run("open for a missing user is ErrNotFound and stores no session", func(t *testing.T) {
		s := newStore(t)
		sess := NewSession(hexID(9))
		if _, err := s.Open(ctx, sess, func(*user.User) error { return nil }); !errors.Is(err, user.ErrNotFound) {
			t.Fatalf("Open: got %v, want user.ErrNotFound", err)
		}
		if _, err := s.ByID(ctx, sess.ID); !errors.Is(err, credential.ErrSessionNotFound) {
			t.Errorf("a session for no user was stored: %v", err)
		}
	})

	t.Run("parallel logins of one user all land", func(t *testing.T) {
		users, s := newStores(t)
		u := NewUser(hexID(1), "busy@example.com")
		u.TokenEpoch = 0
		if err := users.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		const n = 10
		wins, _ := Race(t, n, nil, func(i int) error {
			_, err := s.Open(ctx, NewSession(hexID(200+i)), func(u *user.User) error { u.TokenEpoch++; return nil })
			return err
		})
		stored, err := users.ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		if wins != n || stored.TokenEpoch != n {
			t.Fatalf("%d of %d logins opened and %d were recorded, want all", wins, n, stored.TokenEpoch)
		}
		want := map[string]bool{}
		for i := range n {
			want[hexID(200+i)] = true
			if _, err := s.ByID(ctx, hexID(200+i)); err != nil {
				t.Errorf("session %d: %v", i, err)
			}
		}
		assertSessionIDs(t, byUser(t, s, string(u.ID), base), want)
	})

	sessionFields(t, newStore)
	sessionsByUser(t, newStores)
}

func assertSameSession(t *testing.T, got, want *credential.Session) {
	t.Helper()
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.ExpiresAt.Equal(w.ExpiresAt) || !g.LastUsedAt.Equal(w.LastUsedAt) {
		t.Errorf("times = %v/%v/%v, want %v/%v/%v (created/expires/last used)",
			g.CreatedAt, g.ExpiresAt, g.LastUsedAt, w.CreatedAt, w.ExpiresAt, w.LastUsedAt)
	}
	if (g.RevokedAt == nil) != (w.RevokedAt == nil) || (g.RevokedAt != nil && !g.RevokedAt.Equal(*w.RevokedAt)) {
		t.Errorf("RevokedAt = %v, want %v", g.RevokedAt, w.RevokedAt)
	}
	if gr, wr := g.Rotation, w.Rotation; (gr == nil) != (wr == nil) ||
		(gr != nil && (gr.From != wr.From || gr.AccessID != wr.AccessID || !gr.At.Equal(wr.At))) {
		t.Errorf("Rotation = %+v, want %+v", gr, wr)
	}
	if len(g.Events) != 0 {
		t.Errorf("a stored session came back with events: %+v", g.Events)
	}
	g.CreatedAt, g.ExpiresAt, g.LastUsedAt, g.RevokedAt, g.Rotation, g.Events = time.Time{}, time.Time{}, time.Time{}, nil, nil, nil
	w.CreatedAt, w.ExpiresAt, w.LastUsedAt, w.RevokedAt, w.Rotation, w.Events = time.Time{}, time.Time{}, time.Time{}, nil, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("session = %+v\nwant      %+v", g, w)
	}
}
