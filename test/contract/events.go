package contract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// Events runs the contract between the user-writing stores and the timeline (Stores.Timeline):
// the events a written user carries are appended with the write, once each and in order, and a
// write that stores nothing appends nothing.
func Events(t *testing.T, newStores func(t *testing.T) Stores) {
	ctx := context.Background()
	record := func(events ...audit.Event) func(*user.User) error {
		return func(u *user.User) error {
			for _, e := range events {
				u.Record(e)
			}
			return nil
		}
	}
	ev := func(id string, kind audit.Kind, i int) audit.Event { return NewEvent(id, "", kind, minute(i)) }

	t.Run("insert, update and open append the events they carry, once each and in order", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "ada@example.com")
		u.Record(ev("registered", audit.Registered, 0))
		if err := s.Users.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		notice := NewNotice("changed", base)
		notice.UserID = u.ID
		changed, err := s.Users.Update(ctx, u.ID, func(u *user.User) error {
			u.Notify(notice) // a change may carry notices and events at once
			return record(ev("changed", audit.PasswordChanged, 1), ev("ended", audit.SessionRevoked, 1))(u)
		})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		assertSameUser(t, changed, u)
		opened, err := s.Sessions.Open(ctx, NewSession(hexID(7)), record(ev("login", audit.LoginSucceeded, 2)))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		assertSameUser(t, opened, u)
		for _, change := range []func(*user.User) error{record(), record(ev("changed", audit.PasswordChanged, 1))} {
			if _, err := s.Users.Update(ctx, u.ID, change); err != nil {
				t.Fatalf("Update: %v", err)
			}
		}
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

		_, chain := mustChain(t, s.Timeline, string(u.ID))
		var want []audit.Event
		for i, e := range []audit.Event{
			ev("registered", audit.Registered, 0), ev("changed", audit.PasswordChanged, 1),
			ev("ended", audit.SessionRevoked, 1), ev("login", audit.LoginSucceeded, 2),
		} {
			e.UserID, e.Seq = string(u.ID), int64(i+1)
			if i > 0 {
				e.Prev = want[i-1].Hash()
			}
			want = append(want, e)
		}
		assertEvents(t, chain, want...)
		assertValid(t, s.Timeline, string(u.ID), len(want), want[len(want)-1].Hash())
		assertQueued(t, s.Outbox, later(1), notice)
	})

	t.Run("a write that stores nothing records nothing", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "u@example.com")
		mover := NewUser(hexID(2), "mover@example.com")
		mover.Tokens = []user.Token{ChangeToken(mover, u.Email)}
		for _, x := range []*user.User{u, mover} {
			if err := s.Users.Insert(ctx, x); err != nil {
				t.Fatalf("Insert: %v", err)
			}
		}
		refused := errors.New("refused")
		refuse := func(u *user.User) error { u.Record(ev("refused", audit.PasswordChanged, 0)); return refused }
		if _, err := s.Users.Update(ctx, u.ID, refuse); !errors.Is(err, refused) {
			t.Fatalf("Update: got %v, want the change's error", err)
		}
		if _, err := s.Sessions.Open(ctx, NewSession(hexID(8)), refuse); !errors.Is(err, refused) {
			t.Fatalf("Open: got %v, want the record's error", err)
		}
		if _, err := s.Users.Update(ctx, mover.ID, func(u *user.User) error {
			u.Record(ev("taken", audit.EmailChanged, 0))
			return MoveTo("u@example.com")(u)
		}); !errors.Is(err, user.ErrEmailTaken) {
			t.Fatalf("a move to a taken email: got %v, want ErrEmailTaken", err)
		}
		twin := NewUser(hexID(3), u.Email)
		twin.Record(ev("twin", audit.Registered, 0))
		if err := s.Users.Insert(ctx, twin); !errors.Is(err, user.ErrEmailTaken) {
			t.Fatalf("a registration of a taken email: got %v, want ErrEmailTaken", err)
		}
		for _, id := range []user.ID{u.ID, mover.ID, twin.ID} {
			if _, chain := mustChain(t, s.Timeline, string(id)); len(chain) != 0 {
				t.Errorf("the timeline of %s holds %+v, which no stored write carried", id, chain)
			}
		}
		if got := users(t, s.Timeline); len(got) != 0 {
			t.Errorf("Users = %v, want none", got)
		}
	})

	t.Run("parallel writes of one user append each stored write's events once", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "busy@example.com")
		if err := s.Users.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		const n = 10
		wins, _ := Race(t, n, nil, func(i int) error {
			// As a change may run more than once, every run records an event of its own: only the
			// run that was stored may reach the timeline.
			var runs atomic.Int32
			change := func(u *user.User) error {
				u.Record(ev(fmt.Sprintf("w%d-run%d", i, runs.Add(1)), audit.LoginSucceeded, i))
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
		_, chain := mustChain(t, s.Timeline, string(u.ID))
		if len(chain) != n {
			t.Fatalf("the timeline holds %d events, want one per write: %+v", len(chain), chain)
		}
		perWriter := map[string]int{}
		for _, e := range chain {
			perWriter[strings.SplitN(e.ID, "-", 2)[0]]++
		}
		for i := range n {
			if got := perWriter[fmt.Sprintf("w%d", i)]; got != 1 {
				t.Errorf("writer %d has %d events on the timeline, want 1", i, got)
			}
		}
		assertValid(t, s.Timeline, string(u.ID), len(chain), chain[len(chain)-1].Hash())
	})

	t.Run("a session update appends the events it carries, and a refused one none", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "ada@example.com")
		if err := s.Users.Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		sess := NewSession(hexID(7))
		if err := s.Sessions.Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		refused := errors.New("refused")
		if _, err := s.Sessions.Update(ctx, sess.ID, func(x *credential.Session) error {
			x.Record(ev("kept", audit.SessionRevoked, 1))
			return refused
		}); !errors.Is(err, refused) {
			t.Fatalf("refused Update: %v", err)
		}
		got, err := s.Sessions.Update(ctx, sess.ID, func(x *credential.Session) error {
			x.Record(ev("ended", audit.SessionRevoked, 2))
			return credential.Revoke(minute(2))(x)
		})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		if len(got.Events) != 0 {
			t.Errorf("the updated session came back with events: %+v", got.Events)
		}
		_, chain := mustChain(t, s.Timeline, string(u.ID))
		if len(chain) != 1 || chain[0].ID != "ended" || chain[0].UserID != string(u.ID) {
			t.Fatalf("timeline = %+v, want the one event of the stored update", chain)
		}
	})
}
