package contract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
)

// Stores are the stores of one database: its users and sessions, which move the notices of the
// users they write into its outbox and their events onto its timeline.
type Stores struct {
	Users    user.Store
	Sessions credential.SessionStore
	Outbox   mail.Outbox
	Timeline audit.Store
}

// Notices runs the contract between the user-writing stores and the outbox: the notices a written
// user carries become messages in the same write, once each, and a write that stores nothing
// queues nothing.
func Notices(t *testing.T, newStores func(t *testing.T) Stores) {
	ctx := context.Background()
	insert := func(t *testing.T, s Stores, us ...*user.User) {
		t.Helper()
		for _, u := range us {
			if err := s.Users.Insert(ctx, u); err != nil {
				t.Fatalf("Insert: %v", err)
			}
		}
	}
	notify := func(ids ...string) func(*user.User) error {
		return func(u *user.User) error {
			for _, id := range ids {
				u.Notify(NewNotice(id, base))
			}
			return nil
		}
	}

	t.Run("insert moves the user's notices into the outbox", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "new@example.com")
		_ = notify("n1", "n2")(u)
		want := append([]user.Notice(nil), u.Outbox...)
		insert(t, s, u)
		for _, get := range []func() (*user.User, error){
			func() (*user.User, error) { return s.Users.ByID(ctx, u.ID) },
			func() (*user.User, error) { return s.Users.ByEmail(ctx, u.Email) },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			assertSameUser(t, got, u)
		}
		assertQueued(t, s.Outbox, later(1), want...)
	})

	t.Run("update moves the notices its change queued, and later writes don't queue them again", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "u@example.com")
		insert(t, s, u)
		got, err := s.Users.Update(ctx, u.ID, notify("n1"))
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		assertSameUser(t, got, u)
		stored, err := s.Users.ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameUser(t, stored, u)
		first := NewNotice("n1", base)
		first.UserID = u.ID
		assertQueued(t, s.Outbox, later(1), first)
		for _, change := range []func(*user.User) error{notify("n2"), notify(), notify("n1")} {
			if _, err := s.Users.Update(ctx, u.ID, change); err != nil {
				t.Fatalf("Update: %v", err)
			}
		}
		second := first
		second.ID = "n2"
		assertQueued(t, s.Outbox, later(2), first, second)
	})

	t.Run("open moves the notices of the login it records", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "login@example.com")
		insert(t, s, u)
		got, err := s.Sessions.Open(ctx, NewSession(hexID(7)), notify("n1"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		assertSameUser(t, got, u)
		n := NewNotice("n1", base)
		n.UserID = u.ID
		assertQueued(t, s.Outbox, later(1), n)
	})

	t.Run("a move moves the notices its change queued", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "from@example.com")
		u.Tokens = []user.Token{ChangeToken(u, "to@example.com")}
		insert(t, s, u)
		if _, err := s.Users.Update(ctx, u.ID, func(u *user.User) error {
			_ = notify("moved")(u)
			return MoveTo("to@example.com")(u)
		}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		n := NewNotice("moved", base)
		n.UserID = u.ID
		assertQueued(t, s.Outbox, later(1), n)
	})

	t.Run("a write that stores nothing queues nothing", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "u@example.com")
		mover := NewUser(hexID(2), "mover@example.com")
		mover.Tokens = []user.Token{ChangeToken(mover, u.Email)}
		insert(t, s, u, mover)
		refused := errors.New("refused")
		refuse := func(u *user.User) error { _ = notify("refused")(u); return refused }
		if _, err := s.Users.Update(ctx, u.ID, refuse); !errors.Is(err, refused) {
			t.Fatalf("Update: got %v, want the change's error", err)
		}
		if _, err := s.Sessions.Open(ctx, NewSession(hexID(8)), refuse); !errors.Is(err, refused) {
			t.Fatalf("Open: got %v, want the record's error", err)
		}
		if _, err := s.Users.Update(ctx, mover.ID, func(u *user.User) error {
			_ = notify("taken")(u)
			return MoveTo("u@example.com")(u)
		}); !errors.Is(err, user.ErrEmailTaken) {
			t.Fatalf("a move to a taken email: got %v, want ErrEmailTaken", err)
		}
		twin := NewUser(hexID(3), u.Email)
		_ = notify("twin")(twin)
		if err := s.Users.Insert(ctx, twin); !errors.Is(err, user.ErrEmailTaken) {
			t.Fatalf("a registration of a taken email: got %v, want ErrEmailTaken", err)
		}
		assertQueued(t, s.Outbox, later(1))
	})

	t.Run("parallel writes of one user queue each write's notices once", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "busy@example.com")
		insert(t, s, u)
		const n = 10
		wins, _ := Race(t, n, nil, func(i int) error {
			// As core does, every run of the change makes a notice of its own: only the run that
			// was stored may be queued.
			var runs atomic.Int32
			change := func(u *user.User) error {
				u.Notify(NewNotice(fmt.Sprintf("w%d-run%d", i, runs.Add(1)), base))
				return nil
			}
			var err error
			if i%2 == 0 {
				_, err = s.Users.Update(ctx, u.ID, change)
			} else {
				_, err = s.Sessions.Open(ctx, NewSession(hexID(100+i)), change)
			}
			return err
		})
		if wins != n {
			t.Fatalf("%d of %d writes succeeded", wins, n)
		}
		perWriter := map[string]int{}
		for _, m := range claimAll(t, s.Outbox, later(1)) {
			perWriter[strings.SplitN(m.ID, "-", 2)[0]]++
		}
		for i := range n {
			if got := perWriter[fmt.Sprintf("w%d", i)]; got != 1 {
				t.Errorf("writer %d has %d messages queued, want 1", i, got)
			}
		}
	})

	t.Run("of parallel moves to one email only the winner's notices are queued", func(t *testing.T) {
		s := newStores(t)
		const n = 8
		const prize = "prize@example.com"
		for i := range n {
			m := NewUser(hexID(10+i), fmt.Sprintf("mover%d@example.com", i))
			m.Tokens = []user.Token{ChangeToken(m, prize)}
			insert(t, s, m)
		}
		Race(t, n, user.ErrEmailTaken, func(i int) error {
			_, err := s.Users.Update(ctx, user.ID(hexID(10+i)), func(u *user.User) error {
				u.Notify(NewNotice(fmt.Sprintf("moved%d", i), base))
				return MoveTo(prize)(u)
			})
			return err
		})
		owner, err := s.Users.ByEmail(ctx, prize)
		if err != nil {
			t.Fatalf("ByEmail: %v", err)
		}
		msgs := claimAll(t, s.Outbox, later(1))
		if len(msgs) != 1 || msgs[0].UserID != owner.ID {
			t.Fatalf("queued %+v, want only the notice of the winner %s", msgs, owner.ID)
		}
	})
}

// later is a time by which every message of the contracts is due, and past the leases of the
// claims made at later(k) for every k below i.
func later(i int) time.Time { return base.Add(365*24*time.Hour + time.Duration(i)*2*time.Hour) }

// claimAll claims every message due at now, for an hour, failing t if one comes twice.
func claimAll(t *testing.T, o mail.Outbox, now time.Time) []mail.Message {
	t.Helper()
	var out []mail.Message
	seen := map[string]bool{}
	for {
		m, err := o.Claim(context.Background(), now, time.Hour)
		if errors.Is(err, mail.ErrEmpty) {
			return out
		}
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		if seen[m.ID] {
			t.Fatalf("message %s was claimed twice under one lease", m.ID)
		}
		seen[m.ID] = true
		out = append(out, *m)
	}
}

// assertQueued checks that the outbox holds exactly the messages of want, once each, claiming them
// at now.
func assertQueued(t *testing.T, o mail.Outbox, now time.Time, want ...user.Notice) {
	t.Helper()
	got := map[string]mail.Message{}
	for _, m := range claimAll(t, o, now) {
		got[m.ID] = m
	}
	for _, n := range want {
		m, ok := got[n.ID]
		if !ok {
			t.Errorf("notice %s is not in the outbox", n.ID)
			continue
		}
		assertSameMessage(t, &m, mail.Message{Notice: n, DueAt: n.CreatedAt})
		delete(got, n.ID)
	}
	for id := range got {
		t.Errorf("the outbox holds %s, which no stored write queued", id)
	}
	if b, err := o.Backlog(context.Background()); err != nil || b.Count != len(want) {
		t.Errorf("Backlog = %+v, %v; want %d messages", b, err, len(want))
	}
}
