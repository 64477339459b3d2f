package contract

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// Sweeper is a session store that deletes expired sessions when told to, as boltstore's does; the
// session contract's sweep case runs on the stores that are one. A store whose database expires
// sessions by itself (MongoDB's TTL monitor) leaves nothing to test here: it drops a document with
// its index entries.
type Sweeper interface {
	// DeleteExpired deletes the sessions whose expiry is before before and says how many went.
	DeleteExpired(ctx context.Context, before time.Time) (int, error)
}

// sessionFields is the part of the SessionStore contract about what a session holds beyond its
// refresh state: when it was last used, its device and its latest rotation, set or not.
func sessionFields(t *testing.T, newStore func(t *testing.T) credential.SessionStore) {
	ctx := context.Background()
	full := func() *credential.Session {
		sess := NewSession(hexID(1))
		sess.LastUsedAt = base.Add(90 * time.Minute)
		sess.Device = credential.Device{IP: "2001:db8:1::", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 — ünïcode"}
		sess.Rotation = &credential.Rotation{From: "r-spent", AccessID: "a-issued", At: base.Add(time.Hour)}
		return sess
	}
	bare := func() *credential.Session {
		sess := NewSession(hexID(2))
		sess.LastUsedAt = time.Time{} // as a session written before sessions kept it reads
		return sess
	}
	read := func(t *testing.T, s credential.SessionStore, want *credential.Session) {
		t.Helper()
		got, err := s.ByID(ctx, want.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameSession(t, got, want)
		listed := byUser(t, s, want.UserID, base)
		if l, ok := listed[want.ID]; !ok {
			t.Errorf("ByUser does not list session %s", want.ID)
		} else {
			assertSameSession(t, l, want)
		}
	}

	t.Run("last use, device and rotation round-trip, set or not", func(t *testing.T) {
		s := newStore(t)
		for _, sess := range []*credential.Session{full(), bare()} {
			if err := s.Create(ctx, sess); err != nil {
				t.Fatalf("Create: %v", err)
			}
			read(t, s, sess)
		}
	})

	t.Run("an update sets and clears them", func(t *testing.T) {
		s := newStore(t)
		set, cleared := bare(), full()
		for _, sess := range []*credential.Session{set, cleared} {
			if err := s.Create(ctx, sess); err != nil {
				t.Fatalf("Create: %v", err)
			}
		}
		used := base.Add(3 * time.Hour)
		rotation := credential.Rotation{From: set.RefreshID, AccessID: "a-next", At: used}
		got, err := s.Update(ctx, set.ID, func(x *credential.Session) error {
			if err := credential.Rotate(set.RefreshID, "r-next", x.ExpiresAt)(x); err != nil {
				return err
			}
			x.Rotation, x.LastUsedAt = &rotation, used
			x.Device = credential.Device{IP: "192.0.2.0", UserAgent: "curl/8.5.0"}
			return nil
		})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		set.RefreshID, set.Rotation, set.LastUsedAt = "r-next", &rotation, used
		set.Device = credential.Device{IP: "192.0.2.0", UserAgent: "curl/8.5.0"}
		assertSameSession(t, got, set)
		read(t, s, set)

		if _, err := s.Update(ctx, cleared.ID, func(x *credential.Session) error {
			x.Rotation, x.Device = nil, credential.Device{}
			return nil
		}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		cleared.Rotation, cleared.Device = nil, credential.Device{}
		read(t, s, cleared)
	})

	t.Run("touch moves the last use forward only", func(t *testing.T) {
		s := newStore(t)
		sess := full()
		if err := s.Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		for _, at := range []time.Time{sess.LastUsedAt.Add(time.Minute), sess.LastUsedAt} {
			if _, err := s.Update(ctx, sess.ID, credential.Touch(at)); err != nil {
				t.Fatalf("Touch: %v", err)
			}
		}
		sess.LastUsedAt = sess.LastUsedAt.Add(time.Minute)
		read(t, s, sess)
	})

	t.Run("a refused change and a caller's edits leave the stored session as it was", func(t *testing.T) {
		s := newStore(t)
		sess := full()
		if err := s.Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		refused := errors.New("refused")
		_, err := s.Update(ctx, sess.ID, func(x *credential.Session) error {
			x.Rotation.From, x.Rotation.At = "r-other", base
			x.LastUsedAt, x.Device.UserAgent = base.Add(48*time.Hour), "changed"
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatalf("Update: got %v, want the change's error", err)
		}
		got, err := s.ByID(ctx, sess.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		got.Rotation.From = "r-edited"
		for _, l := range byUser(t, s, sess.UserID, base) {
			l.Rotation.AccessID = "a-edited"
		}
		sess.Rotation.At = base // the caller's own copy is the caller's
		read(t, s, full())
	})
}

// sessionsByUser is the part of the SessionStore contract about ByUser.
func sessionsByUser(t *testing.T, newStores func(t *testing.T) (user.Store, credential.SessionStore)) {
	ctx := context.Background()
	newStore := func(t *testing.T) credential.SessionStore {
		_, s := newStores(t)
		return s
	}
	create := func(t *testing.T, s credential.SessionStore, sessions ...*credential.Session) {
		t.Helper()
		for _, sess := range sessions {
			if err := s.Create(ctx, sess); err != nil {
				t.Fatalf("Create %s: %v", sess.ID, err)
			}
		}
	}
	session := func(n int, userID string, expires time.Time) *credential.Session {
		sess := NewSession(hexID(n))
		sess.UserID, sess.ExpiresAt = userID, expires
		return sess
	}

	t.Run("by user: exactly the user's sessions not expired, revoked ones included", func(t *testing.T) {
		s := newStore(t)
		alice, bob := hexID(1), hexID(2)
		now := base.Add(24 * time.Hour)
		live := session(1, alice, now.Add(time.Hour))
		revoked := session(2, alice, now.Add(time.Hour))
		revoked.RevokedAt = &now
		justLive := session(3, alice, now.Add(time.Millisecond))
		expired := session(4, alice, now.Add(-time.Hour))
		endsNow := session(5, alice, now) // expired at now: "not expired" is now before the expiry
		extended := session(6, alice, now.Add(-time.Hour))
		shortened := session(7, alice, now.Add(time.Hour))
		bobs := session(8, bob, now.Add(time.Hour))
		lookalike := session(9, alice+"0", now.Add(time.Hour)) // a user whose id starts with alice's
		create(t, s, live, revoked, justLive, expired, endsNow, extended, shortened, bobs, lookalike)
		for sess, to := range map[*credential.Session]time.Time{extended: now.Add(2 * time.Hour), shortened: now.Add(-2 * time.Hour)} {
			if _, err := s.Update(ctx, sess.ID, func(x *credential.Session) error { x.ExpiresAt = to; return nil }); err != nil {
				t.Fatalf("Update %s: %v", sess.ID, err)
			}
			sess.ExpiresAt = to
		}

		assertSessions(t, byUser(t, s, alice, now), live, revoked, justLive, extended)
		assertSessions(t, byUser(t, s, bob, now), bobs)
		assertSessions(t, byUser(t, s, alice+"0", now), lookalike)
		assertSessions(t, byUser(t, s, alice, base), live, revoked, justLive, expired, endsNow, extended, shortened)
		assertSessions(t, byUser(t, s, alice, now.Add(3*time.Hour)))
		assertSessions(t, byUser(t, s, hexID(99), now))
	})

	t.Run("by user: a session opened by a login is listed", func(t *testing.T) {
		users, s := newStores(t)
		u := NewUser(hexID(1), "listed@example.com")
		if err := users.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		sess := NewSession(hexID(7))
		sess.UserID, sess.Device = string(u.ID), credential.Device{IP: "198.51.100.0", UserAgent: "authd-test/1"}
		if _, err := s.Open(ctx, sess, func(*user.User) error { return nil }); err != nil {
			t.Fatalf("Open: %v", err)
		}
		assertSessions(t, byUser(t, s, string(u.ID), base), sess)
	})

	t.Run("by user: parallel creates for one user are all listed", func(t *testing.T) {
		s := newStore(t)
		const n = 8
		want := map[string]bool{}
		for i := range n {
			want[hexID(300+i)] = true
		}
		wins, _ := Race(t, n, nil, func(i int) error { return s.Create(ctx, NewSession(hexID(300+i))) })
		if wins != n {
			t.Fatalf("%d of %d creates succeeded", wins, n)
		}
		assertSessionIDs(t, byUser(t, s, hexID(1), base), want)
	})

	t.Run("by user: swept sessions leave nothing behind", func(t *testing.T) {
		s := newStore(t)
		sweeper, ok := s.(Sweeper)
		if !ok {
			t.Skip("the store sweeps no expired sessions on demand")
		}
		alice, bob := hexID(1), hexID(2)
		cutoff := base.Add(24 * time.Hour)
		gone := session(1, alice, cutoff.Add(-time.Hour))
		goneRevoked := session(2, alice, cutoff.Add(-2*time.Hour))
		goneRevoked.RevokedAt = &base
		kept := session(3, alice, cutoff.Add(time.Hour))
		boundary := session(4, alice, cutoff) // expiring at the cutoff is not expiring before it
		bobsGone := session(5, bob, cutoff.Add(-time.Hour))
		create(t, s, gone, goneRevoked, kept, boundary, bobsGone)

		n, err := sweeper.DeleteExpired(ctx, cutoff)
		if err != nil || n != 3 {
			t.Fatalf("DeleteExpired = %d, %v; want 3, nil", n, err)
		}
		// Asked as of before any expiry, a swept session or a stray index entry of one would show.
		assertSessions(t, byUser(t, s, alice, base), kept, boundary)
		assertSessions(t, byUser(t, s, bob, base))
		for _, sess := range []*credential.Session{gone, goneRevoked, bobsGone} {
			if _, err := s.ByID(ctx, sess.ID); !errors.Is(err, credential.ErrSessionNotFound) {
				t.Errorf("swept session %s: ByID got %v, want ErrSessionNotFound", sess.ID, err)
			}
		}
		later := session(6, alice, cutoff.Add(time.Hour))
		create(t, s, later)
		assertSessions(t, byUser(t, s, alice, base), kept, boundary, later)
		if n, err := sweeper.DeleteExpired(ctx, cutoff); err != nil || n != 0 {
			t.Errorf("second DeleteExpired = %d, %v; want 0, nil", n, err)
		}
	})
}

// byUser is s.ByUser by session id; a session listed twice fails t.
func byUser(t *testing.T, s credential.SessionStore, userID string, now time.Time) map[string]*credential.Session {
	t.Helper()
	list, err := s.ByUser(context.Background(), userID, now)
	if err != nil {
		t.Fatalf("ByUser(%s, %v): %v", userID, now, err)
	}
	out := map[string]*credential.Session{}
	for _, sess := range list {
		if _, twice := out[sess.ID]; twice {
			t.Errorf("ByUser(%s) lists session %s twice", userID, sess.ID)
		}
		out[sess.ID] = sess
	}
	return out
}

// assertSessions checks that listed holds exactly want, each as stored.
func assertSessions(t *testing.T, listed map[string]*credential.Session, want ...*credential.Session) {
	t.Helper()
	ids := map[string]bool{}
	for _, w := range want {
		ids[w.ID] = true
		if got, ok := listed[w.ID]; ok {
			assertSameSession(t, got, w)
		}
	}
	assertSessionIDs(t, listed, ids)
}

func assertSessionIDs(t *testing.T, listed map[string]*credential.Session, want map[string]bool) {
	t.Helper()
	for id := range want {
		if _, ok := listed[id]; !ok {
			t.Errorf("session %s is not listed", id)
		}
	}
	for id := range listed {
		if !want[id] {
			t.Errorf("session %s is listed, want it not to be", id)
		}
	}
}
