package contract

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
)

// NewSession returns an active session with the given id.
func NewSession(id string) *credential.Session {
	return &credential.Session{
		ID: id, UserID: hexID(1), RefreshID: "r-" + id, Epoch: 3,
		CreatedAt: base, ExpiresAt: base.Add(7 * 24 * time.Hour),
	}
}

// SessionStore runs the credential.SessionStore contract against stores made by newStore.
func SessionStore(t *testing.T, newStore func(t *testing.T) credential.SessionStore) {
	ctx := context.Background()

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
		if err := s.Rotate(ctx, id, "a", "b", base); !errors.Is(err, credential.ErrSessionNotFound) {
			t.Errorf("Rotate: got %v", err)
		}
		if err := s.Revoke(ctx, id, base); !errors.Is(err, credential.ErrSessionNotFound) {
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
		if err := s.Rotate(ctx, sess.ID, sess.RefreshID, "next", later); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if err := s.Rotate(ctx, sess.ID, sess.RefreshID, "again", later); !errors.Is(err, credential.ErrStaleRefresh) {
			t.Fatalf("second Rotate with spent id: got %v, want ErrStaleRefresh", err)
		}
		got, err := s.ByID(ctx, sess.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		sess.RefreshID, sess.ExpiresAt = "next", later
		assertSameSession(t, got, sess)
	})

	t.Run("a revoked session can't rotate and keeps its first revocation time", func(t *testing.T) {
		s := newStore(t)
		sess := NewSession(hexID(1))
		if err := s.Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		at := base.Add(time.Minute)
		if err := s.Revoke(ctx, sess.ID, at); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if err := s.Revoke(ctx, sess.ID, at.Add(time.Minute)); err != nil {
			t.Fatalf("second Revoke: %v", err)
		}
		if err := s.Rotate(ctx, sess.ID, sess.RefreshID, "next", at); !errors.Is(err, credential.ErrStaleRefresh) {
			t.Fatalf("Rotate on revoked: got %v, want ErrStaleRefresh", err)
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
			return s.Rotate(ctx, sess.ID, sess.RefreshID, hexID(1000+i), sess.ExpiresAt)
		})
		if wins != 1 || stale != n-1 {
			t.Fatalf("wins=%d stale=%d, want 1 and %d", wins, stale, n-1)
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
		if err := s.Revoke(ctx, a.ID, base); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		got, err := s.ByID(ctx, b.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameSession(t, got, b)
	})
}

func assertSameSession(t *testing.T, got, want *credential.Session) {
	t.Helper()
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.ExpiresAt.Equal(w.ExpiresAt) {
		t.Errorf("times = %v/%v, want %v/%v", g.CreatedAt, g.ExpiresAt, w.CreatedAt, w.ExpiresAt)
	}
	if (g.RevokedAt == nil) != (w.RevokedAt == nil) || (g.RevokedAt != nil && !g.RevokedAt.Equal(*w.RevokedAt)) {
		t.Errorf("RevokedAt = %v, want %v", g.RevokedAt, w.RevokedAt)
	}
	g.CreatedAt, g.ExpiresAt, g.RevokedAt = time.Time{}, time.Time{}, nil
	w.CreatedAt, w.ExpiresAt, w.RevokedAt = time.Time{}, time.Time{}, nil
	if g != w {
		t.Errorf("session = %+v\nwant      %+v", g, w)
	}
}
