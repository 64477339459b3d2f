package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// AccountStores are the stores of one database that an operator's use cases reach: Stores, and
// the user.Lister and user.Eraser over the same data.
type AccountStores struct {
	Stores
	Lister user.Lister
	Eraser user.Eraser
}

// Deletion is the change that deletes a user at at, as core's deletion makes it.
func Deletion(at time.Time) func(*user.User) error {
	return func(u *user.User) error {
		u.Delete(at)
		return nil
	}
}

// Accounts runs the contract of the fields an operator changes, of deletion (user.Store.Update
// with User.Delete), of user.Eraser and of user.Lister against stores made by newStores.
func Accounts(t *testing.T, newStores func(t *testing.T) AccountStores) {
	ctx := context.Background()
	insert := func(t *testing.T, s AccountStores, us ...*user.User) {
		t.Helper()
		for _, u := range us {
			if err := s.Users.Insert(ctx, u); err != nil {
				t.Fatalf("Insert %s: %v", u.Email, err)
			}
		}
	}
	deleteAt := func(t *testing.T, s AccountStores, id user.ID, at time.Time) {
		t.Helper()
		if _, err := s.Users.Update(ctx, id, Deletion(at)); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
	}
	erase := func(t *testing.T, s AccountStores, id user.ID) {
		t.Helper()
		if err := s.Eraser.Erase(ctx, id); err != nil {
			t.Fatalf("Erase %s: %v", id, err)
		}
	}

	t.Run("roles and a required reset round-trip, and none is nil", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "op@example.com")
		u.Roles, u.ResetRequired = []user.Role{user.RoleAdmin}, true
		insert(t, s, u)
		got, err := s.Users.ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		assertSameUser(t, got, u)
		stored, err := s.Users.Update(ctx, u.ID, func(u *user.User) error {
			u.Revoke(user.RoleAdmin)
			u.ResetRequired = false
			return nil
		})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		if got, err = s.Users.ByEmail(ctx, u.Email); err != nil {
			t.Fatalf("ByEmail: %v", err)
		}
		assertSameUser(t, got, stored)
		if got.Roles != nil || got.ResetRequired {
			t.Errorf("after revoking: Roles = %#v, ResetRequired = %v; want nil, false", got.Roles, got.ResetRequired)
		}
	})

	for _, erased := range []bool{false, true} {
		t.Run(fmt.Sprintf("a deleted user is not found and its email is free at once (erased: %v)", erased), func(t *testing.T) {
			s := newStores(t)
			u := NewUser(hexID(1), "gone@example.com")
			insert(t, s, u)
			stored, err := s.Users.Update(ctx, u.ID, Deletion(base))
			if err != nil {
				t.Fatalf("delete: %v", err)
			}
			if stored.DeletedAt == nil || !stored.DeletedAt.Equal(base) || stored.IsActive {
				t.Errorf("delete stored DeletedAt = %v, IsActive = %v", stored.DeletedAt, stored.IsActive)
			}
			if erased {
				erase(t, s, u.ID)
			}
			assertGone(t, s, u)
			again := NewUser(hexID(2), u.Email)
			insert(t, s, again)
			got, err := s.Users.ByEmail(ctx, u.Email)
			if err != nil {
				t.Fatalf("ByEmail of the new registration: %v", err)
			}
			assertSameUser(t, got, again)
			if !erased {
				erase(t, s, u.ID)
				if got, err = s.Users.ByEmail(ctx, u.Email); err != nil || got.ID != again.ID {
					t.Fatalf("after erasing the deleted user, ByEmail = %v, %v; want the new registration", got, err)
				}
			}
		})
	}

	t.Run("Deleted lists the users deleted before a time until they are erased", func(t *testing.T) {
		s := newStores(t)
		a, b, live := NewUser(hexID(1), "a@example.com"), NewUser(hexID(2), "b@example.com"), NewUser(hexID(3), "c@example.com")
		insert(t, s, a, b, live)
		deleteAt(t, s, a.ID, base)
		deleteAt(t, s, b.ID, base.Add(time.Hour))
		for _, tc := range []struct {
			before time.Time
			limit  int
			want   []user.ID
		}{
			{base, 10, nil},
			{base.Add(time.Millisecond), 10, []user.ID{a.ID}},
			{base.Add(2 * time.Hour), 10, []user.ID{a.ID, b.ID}},
		} {
			assertDeleted(t, s, tc.before, tc.limit, tc.want)
		}
		if got, err := s.Eraser.Deleted(ctx, base.Add(2*time.Hour), 1); err != nil || len(got) != 1 {
			t.Errorf("Deleted with limit 1 = %v, %v; want one id", got, err)
		}
		erase(t, s, a.ID)
		assertDeleted(t, s, base.Add(2*time.Hour), 10, []user.ID{b.ID})
	})

	t.Run("Erase removes the user's sessions and mail, leaves another's, and repeats", func(t *testing.T) {
		s := newStores(t)
		gone, kept := NewUser(hexID(1), "gone@example.com"), NewUser(hexID(2), "kept@example.com")
		insert(t, s, gone, kept)
		for i, u := range []*user.User{gone, kept} {
			sess := NewSession(hexID(10 + i))
			sess.UserID = string(u.ID)
			if err := s.Sessions.Create(ctx, sess); err != nil {
				t.Fatalf("Create session: %v", err)
			}
			n := NewNotice(fmt.Sprintf("n%d", i), base)
			n.UserID = u.ID
			if _, err := s.Users.Update(ctx, u.ID, func(u *user.User) error { u.Notify(n); return nil }); err != nil {
				t.Fatalf("queue mail: %v", err)
			}
		}
		deleteAt(t, s, gone.ID, base)
		if _, err := s.Sessions.Open(ctx, NewSession(hexID(20)), func(*user.User) error { return nil }); !errors.Is(err, user.ErrNotFound) {
			t.Errorf("Open a session of the deleted user: got %v, want ErrNotFound", err)
		}
		erase(t, s, gone.ID)
		erase(t, s, gone.ID)
		if _, err := s.Sessions.ByID(ctx, hexID(10)); !errors.Is(err, credential.ErrSessionNotFound) {
			t.Errorf("the erased user's session: got %v, want ErrSessionNotFound", err)
		}
		if _, err := s.Sessions.ByID(ctx, hexID(11)); err != nil {
			t.Errorf("another user's session: %v", err)
		}
		if b, err := s.Outbox.Backlog(ctx); err != nil || b.Count != 1 {
			t.Errorf("Backlog = %+v, %v; want the other user's message only", b, err)
		}
		m, err := s.Outbox.Claim(ctx, base.Add(time.Hour), time.Minute)
		if err != nil || m.ID != "n1" {
			t.Errorf("Claim = %+v, %v; want n1", m, err)
		}
		if err := s.Eraser.Erase(ctx, kept.ID); !errors.Is(err, user.ErrNotDeleted) {
			t.Errorf("Erase of a live user: got %v, want ErrNotDeleted", err)
		}
		if err := s.Eraser.Erase(ctx, user.ID(hexID(99))); err != nil {
			t.Errorf("Erase of no user: %v", err)
		}
		if got, err := s.Users.ByID(ctx, kept.ID); err != nil {
			t.Errorf("the live user after the refused Erase: %v", err)
		} else {
			assertSameUser(t, got, kept)
		}
	})

	t.Run("List", func(t *testing.T) {
		s := newStores(t)
		var all []*user.User
		for i, e := range []string{"ann", "amy", "bob", "abe", "al"} {
			u := NewUser(hexID(i+1), e+"@example.com")
			u.CreatedAt = base.Add(time.Duration(i) * time.Hour)
			u.IsActive = e != "amy"
			all = append(all, u)
		}
		insert(t, s, all...)
		deleteAt(t, s, all[3].ID, base) // abe
		on, off := true, false
		after := func(d time.Duration) *time.Time { at := base.Add(d); return &at }
		for _, tc := range []struct {
			name string
			q    user.Query
			want []string
		}{
			{"every live account in email order", user.Query{Limit: 10}, []string{"al", "amy", "ann", "bob"}},
			{"a prefix", user.Query{EmailPrefix: "a", Limit: 10}, []string{"al", "amy", "ann"}},
			{"a longer prefix", user.Query{EmailPrefix: "am", Limit: 10}, []string{"amy"}},
			{"a prefix nobody has", user.Query{EmailPrefix: "c", Limit: 10}, nil},
			{"inactive", user.Query{IsActive: &off, Limit: 10}, []string{"amy"}},
			{"active", user.Query{IsActive: &on, Limit: 10}, []string{"al", "ann", "bob"}},
			{"created after", user.Query{CreatedAfter: after(time.Hour), Limit: 10}, []string{"al", "bob"}},
			{"a limit", user.Query{Limit: 2}, []string{"al", "amy"}},
			{"after a cursor", user.Query{After: "amy@example.com", Limit: 10}, []string{"ann", "bob"}},
			{"a cursor within a prefix", user.Query{EmailPrefix: "a", After: "al@example.com", Limit: 10}, []string{"amy", "ann"}},
			{"a cursor before the prefix", user.Query{EmailPrefix: "b", After: "a", Limit: 10}, []string{"bob"}},
			{"a cursor past everything", user.Query{After: "zz", Limit: 10}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.Lister.List(ctx, tc.q)
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				if names := localParts(got); !slices.Equal(names, tc.want) {
					t.Fatalf("List(%+v) = %v, want %v", tc.q, names, tc.want)
				}
			})
		}
		got, err := s.Lister.List(ctx, user.Query{EmailPrefix: "ann@", Limit: 1})
		if err != nil || len(got) != 1 {
			t.Fatalf("List ann = %v, %v", got, err)
		}
		assertSameUser(t, got[0], all[0])
		for _, q := range []user.Query{{Limit: 1}, {IsActive: &on, Limit: 2}, {EmailPrefix: "a", Limit: 1}} {
			var walked []string
			for page := 0; ; page++ {
				found, err := s.Lister.List(ctx, q)
				if err != nil {
					t.Fatalf("List page %d: %v", page, err)
				}
				if len(found) == 0 || page > 10 {
					break
				}
				walked = append(walked, localParts(found)...)
				q.After = found[len(found)-1].Email
			}
			q.After, q.Limit = "", 10
			every, err := s.Lister.List(ctx, q)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if want := localParts(every); !slices.Equal(walked, want) {
				t.Errorf("paging %+v walked %v, want each of %v once", q, walked, want)
			}
		}
	})

	t.Run("parallel deletes of one user: one wins, and parallel erasures all finish", func(t *testing.T) {
		s := newStores(t)
		u := NewUser(hexID(1), "race@example.com")
		insert(t, s, u)
		const n = 8
		wins, lost := Race(t, n, user.ErrNotFound, func(int) error {
			_, err := s.Users.Update(ctx, u.ID, Deletion(base))
			return err
		})
		if wins != 1 || lost != n-1 {
			t.Fatalf("deletes: %d won and %d found no user, want 1 and %d", wins, lost, n-1)
		}
		assertDeleted(t, s, base.Add(time.Second), 10, []user.ID{u.ID})
		if wins, _ := Race(t, n, user.ErrNotDeleted, func(int) error { return s.Eraser.Erase(ctx, u.ID) }); wins != n {
			t.Fatalf("%d of %d parallel erasures succeeded", wins, n)
		}
		assertDeleted(t, s, base.Add(time.Second), 10, nil)
		assertGone(t, s, u)
	})

	t.Run("a delete racing a move and a registration: each lands whole", func(t *testing.T) {
		s := newStores(t)
		const rounds = 4
		for r := range rounds {
			from, to := fmt.Sprintf("from%d@example.com", r), fmt.Sprintf("to%d@example.com", r)
			u := NewUser(hexID(100+r), from)
			u.Tokens = []user.Token{ChangeToken(u, to)}
			insert(t, s, u)
			// The delete always finds the user; the move lands before it or finds no user.
			_, _ = Race(t, 2, user.ErrNotFound, func(i int) error {
				if i == 0 {
					_, err := s.Users.Update(ctx, u.ID, Deletion(base))
					return err
				}
				_, err := s.Users.Update(ctx, u.ID, MoveTo(to))
				return err
			})
			assertGone(t, s, u)
			// Both emails are free whichever came first; registering one races the erasure.
			insert(t, s, NewUser(hexID(200+r), to))
			_, _ = Race(t, 2, user.ErrNotDeleted, func(i int) error {
				if i == 0 {
					return s.Eraser.Erase(ctx, u.ID)
				}
				return s.Users.Insert(ctx, NewUser(hexID(300+r), from))
			})
			for email, id := range map[string]string{to: hexID(200 + r), from: hexID(300 + r)} {
				if got, err := s.Users.ByEmail(ctx, email); err != nil || string(got.ID) != id {
					t.Errorf("round %d: ByEmail(%s) = %v, %v; want the new registration %s", r, email, got, err, id)
				}
			}
		}
		assertDeleted(t, s, base.Add(time.Second), 10, nil)
	})
}

// assertGone checks that u is found nowhere: by id, by email, by update or by list.
func assertGone(t *testing.T, s AccountStores, u *user.User) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Users.ByID(ctx, u.ID); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("ByID of a deleted user: got %v, want ErrNotFound", err)
	}
	if got, err := s.Users.ByEmail(ctx, u.Email); !errors.Is(err, user.ErrNotFound) && (err != nil || got.ID == u.ID) {
		t.Errorf("ByEmail of a deleted user: got %v, %v; want ErrNotFound", got, err)
	}
	if _, err := s.Users.Update(ctx, u.ID, func(*user.User) error { return nil }); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("Update of a deleted user: got %v, want ErrNotFound", err)
	}
	found, err := s.Lister.List(ctx, user.Query{Limit: 100})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, f := range found {
		if f.ID == u.ID {
			t.Errorf("List returned the deleted user %s", u.ID)
		}
	}
}

func assertDeleted(t *testing.T, s AccountStores, before time.Time, limit int, want []user.ID) {
	t.Helper()
	got, err := s.Eraser.Deleted(context.Background(), before, limit)
	if err != nil {
		t.Fatalf("Deleted: %v", err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Deleted(%v, %d) = %v, want %v", before, limit, got, want)
	}
}

// localParts is the part of each user's email before the @, in order.
func localParts(us []*user.User) []string {
	var out []string
	for _, u := range us {
		name, _, _ := strings.Cut(u.Email, "@")
		out = append(out, name)
	}
	return out
}
