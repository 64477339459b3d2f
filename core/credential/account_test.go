package credential_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// deletion is a way an account goes: its owner deletes it, or an operator does.
type deletion struct {
	name   string
	detail func(admin *credential.Principal) string
	delete func(s *credential.Service, admin, owner *credential.Principal) error
}

var deletions = []deletion{
	{"by its owner", func(*credential.Principal) string { return "user" },
		func(s *credential.Service, _, owner *credential.Principal) error {
			return s.DeleteAccount(ctx, owner, pw)
		}},
	{"by an operator", func(admin *credential.Principal) string { return credential.Operator(admin.User.ID) },
		func(s *credential.Service, admin, owner *credential.Principal) error {
			return s.DeleteUser(ctx, admin, owner.User.ID)
		}},
}

// leftovers counts the sessions and queued mail the store still holds for the user with id.
func (e *env) leftovers(t *testing.T, id user.ID) (sessions, mail int) {
	t.Helper()
	all, err := e.sessions.ByUser(ctx, string(id), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range e.users.Mail.Messages() {
		if m.UserID == id {
			mail++
		}
	}
	return len(all), mail
}

func TestDeletionEndsTheAccountAndFreesItsEmail(t *testing.T) {
	t.Parallel()
	for _, d := range deletions {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := opEnv(t)
			_, admin := e.admin(t, "admin@example.com")
			target := e.register(t, "a@example.com") // its verification mail is queued, not sent
			pair, owner := e.login(t, "a@example.com")
			other, _ := e.login(t, "a@example.com")
			if s, m := e.leftovers(t, target.ID); s != 2 || m != 1 {
				t.Fatalf("before: %d sessions, %d messages; want 2 and 1", s, m)
			}

			if err := d.delete(e.svc, admin, owner); err != nil {
				t.Fatalf("delete: %v", err)
			}
			e.dead(t, pair, "the deleting session")
			e.dead(t, other, "another session")
			if err := e.loginErr("a@example.com", pw); !errors.Is(err, credential.ErrInvalidCredentials) {
				t.Errorf("login after deletion: %v, want ErrInvalidCredentials", err)
			}
			if _, err := e.svc.UserByID(ctx, admin, target.ID); !errors.Is(err, user.ErrNotFound) {
				t.Errorf("UserByID after deletion: %v, want ErrNotFound", err)
			}
			if s, m := e.leftovers(t, target.ID); s != 0 || m != 0 {
				t.Errorf("after: %d sessions, %d messages left; Erase did not run", s, m)
			}
			deleted := e.eventsOf(t, target.ID, audit.AccountDeleted)
			if len(deleted) != 1 || deleted[0].Detail != d.detail(admin) {
				t.Errorf("account_deleted events = %+v, want one with detail %q", deleted, d.detail(admin))
			}
			again := e.register(t, "a@example.com")
			if again.ID == target.ID {
				t.Fatal("the new account has the deleted one's id")
			}
			e.login(t, "a@example.com")
			e.dead(t, pair, "the deleted account's token once its address is someone else's")
		})
	}
}

func TestDeleteAccountWantsTheCurrentPasswordAndCountsWrongOnes(t *testing.T) {
	t.Parallel()
	e := opEnv(t)
	target := e.register(t, "a@example.com")
	pair, owner := e.login(t, "a@example.com")
	for _, wrong := range []string{"", "short", "WrongPass123!"} {
		if err := e.svc.DeleteAccount(ctx, owner, wrong); !errors.Is(err, credential.ErrWrongPassword) {
			t.Fatalf("password %q: %v, want ErrWrongPassword", wrong, err)
		}
	}
	if _, err := e.svc.Authenticate(ctx, pair.AccessToken); err != nil {
		t.Fatalf("a refused deletion ended the session: %v", err)
	}
	e.stored(t, target.ID)
	// One wrong guess above; the limit's worth more locks the account, the right password too.
	for i := 1; i < throttleConfig.LoginMaxFailures; i++ {
		if err := e.svc.DeleteAccount(ctx, owner, "WrongPass123!"); !errors.Is(err, credential.ErrWrongPassword) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	if err := e.svc.DeleteAccount(ctx, owner, pw); !errors.Is(err, throttle.ErrThrottled) {
		t.Fatalf("the right password once locked out: %v, want ErrThrottled", err)
	}
	if err := e.loginErr("a@example.com", pw); !errors.Is(err, throttle.ErrThrottled) {
		t.Fatalf("login once deletion guesses locked the account: %v, want ErrThrottled", err)
	}
	e.stored(t, target.ID)
}

func TestDeleteAccountFromAnEndedSessionIsRefused(t *testing.T) {
	t.Parallel()
	e := opEnv(t)
	target := e.register(t, "a@example.com")
	_, owner := e.login(t, "a@example.com")
	_, other := e.login(t, "a@example.com")
	if err := e.svc.EndOtherSessions(ctx, other); err != nil {
		t.Fatal(err)
	}
	// owner was authenticated before its session ended, as a request in flight would be.
	if err := e.svc.DeleteAccount(ctx, owner, pw); !errors.Is(err, credential.ErrSessionRevoked) {
		t.Fatalf("deleting from an ended session: %v, want ErrSessionRevoked", err)
	}
	e.stored(t, target.ID)
}

// failingEraser is an Eraser whose Erase never gets through, as when the process dies after
// the deleting write.
type failingEraser struct{ user.Eraser }

func (failingEraser) Erase(context.Context, user.ID) error { return errors.New("connection reset") }

func TestTheSweepFinishesAnInterruptedErasureAfterTheGrace(t *testing.T) {
	t.Parallel()
	for _, d := range deletions {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			e := opEnv(t)
			var mu sync.Mutex
			var heard []error
			cut := credential.NewService(e.opDeps(func(d *credential.Deps) {
				d.Eraser = failingEraser{e.users}
				d.OnAuditError = func(err error) { mu.Lock(); heard = append(heard, err); mu.Unlock() }
			}))
			_, admin := e.admin(t, "admin@example.com")
			target := e.register(t, "a@example.com")
			pair, owner := e.login(t, "a@example.com")
			if err := d.delete(cut, admin, owner); err != nil {
				t.Fatalf("a deletion whose erasure failed: %v, want it decided all the same", err)
			}
			mu.Lock()
			if len(heard) != 1 {
				t.Errorf("errors heard = %v, want the erasure's", heard)
			}
			mu.Unlock()
			e.dead(t, pair, "deleted, not erased")
			if err := e.loginErr("a@example.com", pw); !errors.Is(err, credential.ErrInvalidCredentials) {
				t.Errorf("login: %v, want ErrInvalidCredentials", err)
			}
			if s, m := e.leftovers(t, target.ID); s != 1 || m != 1 {
				t.Fatalf("left by the cut erasure: %d sessions, %d messages; want 1 and 1", s, m)
			}
			// The address is free at once, and its new owner is no business of the sweep's.
			e.register(t, "a@example.com")

			for _, step := range []struct {
				advance time.Duration
				want    int
			}{{0, 0}, {59 * time.Second, 0}, {2 * time.Second, 1}, {time.Minute, 0}} {
				e.clock.Advance(step.advance)
				n, err := e.svc.EraseDeleted(ctx, 10)
				if err != nil || n != step.want {
					t.Fatalf("sweep %s after: %d, %v; want %d", step.advance, n, err, step.want)
				}
			}
			if s, m := e.leftovers(t, target.ID); s != 0 || m != 0 {
				t.Errorf("after the sweep: %d sessions, %d messages left", s, m)
			}
			e.login(t, "a@example.com")
			e.login(t, "admin@example.com")
		})
	}
}

// stuckEraser fails to erase one account and erases the others.
type stuckEraser struct {
	user.Eraser
	stuck user.ID
}

func (e stuckEraser) Erase(ctx context.Context, id user.ID) error {
	if id == e.stuck {
		return errors.New("connection reset")
	}
	return e.Eraser.Erase(ctx, id)
}

func TestOneAccountThatFailsToEraseHoldsUpNoOther(t *testing.T) {
	t.Parallel()
	e := opEnv(t)
	_, admin := e.admin(t, "admin@example.com")
	first := e.register(t, "a@example.com")
	second := e.register(t, "b@example.com")
	e.login(t, "b@example.com")
	cut := credential.NewService(e.opDeps(func(d *credential.Deps) { d.Eraser = failingEraser{e.users} }))
	for _, id := range []user.ID{first.ID, second.ID} {
		if err := cut.DeleteUser(ctx, admin, id); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(2 * time.Minute)
	sweep := credential.NewService(e.opDeps(func(d *credential.Deps) { d.Eraser = stuckEraser{e.users, first.ID} }))
	n, err := sweep.EraseDeleted(ctx, 10)
	if n != 1 || err == nil || !strings.Contains(err.Error(), string(first.ID)) {
		t.Errorf("sweep: %d erased, %v; want 1 erased and an error naming %s", n, err, first.ID)
	}
	if s, _ := e.leftovers(t, second.ID); s != 0 {
		t.Errorf("the second account keeps %d sessions after the sweep", s)
	}
}

func TestExportHoldsTheAccountsDataOldestFirst(t *testing.T) {
	t.Parallel()
	e, box := opEnv(t), &postbox{}
	target := e.register(t, "a@example.com")
	first, _ := e.login(t, "a@example.com")
	e.clock.Advance(time.Minute)
	_, p := e.login(t, "a@example.com")
	e.clock.Advance(time.Minute)
	ended, _ := e.login(t, "a@example.com")
	ender, _ := e.svc.Authenticate(ctx, ended.AccessToken)
	if err := e.svc.Logout(ctx, ender, ""); err != nil {
		t.Fatal(err)
	}

	x, err := e.svc.ExportAccount(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if x.User.ID != target.ID || x.User.Email != "a@example.com" || !x.At.Equal(e.clock.Now()) {
		t.Errorf("export of %+v at %v", x.User, x.At)
	}
	firstSession, _ := e.svc.Authenticate(ctx, first.AccessToken)
	if len(x.Sessions) != 2 || x.Sessions[0].ID != p.Session.ID || !x.Sessions[0].Current || x.Sessions[1].ID != firstSession.Session.ID {
		t.Errorf("sessions = %+v, want the two live ones, newest (the caller's) first", x.Sessions)
	}
	want := []audit.Kind{audit.Registered, audit.LoginSucceeded, audit.LoginSucceeded, audit.LoginSucceeded, audit.SessionRevoked, audit.AccountExported}
	if len(x.Events) != len(want) {
		t.Fatalf("events = %+v, want kinds %v", x.Events, want)
	}
	for i, ev := range x.Events {
		if ev.Kind != want[i] || ev.Seq != int64(i+1) {
			t.Errorf("event %d = %s #%d, want %s #%d", i, ev.Kind, ev.Seq, want[i], i+1)
		}
	}
	if x.PendingEmail != "" {
		t.Errorf("pending email %q with no change asked for", x.PendingEmail)
	}

	if err := e.svc.RequestEmailChange(ctx, p, credential.EmailChange{NewEmail: "new@example.com", CurrentPassword: pw}); err != nil {
		t.Fatal(err)
	}
	// The change's token is minted when its mail goes out.
	e.deliver(t, box)
	p, err = e.svc.Authenticate(ctx, first.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	x, err = e.svc.ExportAccount(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if x.PendingEmail != "new@example.com" || !x.PendingExpiresAt.Equal(e.clock.Now().Add(time.Hour)) {
		t.Errorf("pending = %q until %v, want new@example.com until an hour from now", x.PendingEmail, x.PendingExpiresAt)
	}
	if n := len(e.eventsOf(t, target.ID, audit.AccountExported)); n != 2 {
		t.Errorf("account_exported events = %d, want 2", n)
	}

	e.clock.Advance(time.Hour)
	x, err = e.svc.ExportAccount(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if x.PendingEmail != "" {
		t.Errorf("an expired change: pending %q, want none", x.PendingEmail)
	}
}

func TestExportsAreLimitedPerHour(t *testing.T) {
	t.Parallel()
	e := opEnv(t, func(d *credential.Deps) { d.Config.ExportMaxPerHour = 2 })
	target := e.register(t, "a@example.com")
	_, p := e.login(t, "a@example.com")
	e.register(t, "b@example.com")
	_, other := e.login(t, "b@example.com")
	for i := range 2 {
		if _, err := e.svc.ExportAccount(ctx, p); err != nil {
			t.Fatalf("export %d: %v", i+1, err)
		}
	}
	_, err := e.svc.ExportAccount(ctx, p)
	if d := retryAfter(t, err); d <= 0 || d > time.Hour {
		t.Fatalf("retry after %s", d)
	}
	if _, err := e.svc.ExportAccount(ctx, other); err != nil {
		t.Fatalf("another account's export: %v", err)
	}
	if n := len(e.eventsOf(t, target.ID, audit.AccountExported)); n != 2 {
		t.Errorf("account_exported events = %d, want 2: a refused export is none", n)
	}
	e.clock.Advance(time.Hour + time.Second)
	if _, err := e.svc.ExportAccount(ctx, p); err != nil {
		t.Fatalf("an hour later: %v", err)
	}
}
