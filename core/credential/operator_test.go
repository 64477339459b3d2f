package credential_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// opDeps is e's deps with the ports an operator's use cases need, then each of mod applied.
func (e *env) opDeps(mod ...func(*credential.Deps)) credential.Deps {
	d := e.deps()
	d.Lister, d.Eraser = e.users, e.users
	for _, m := range mod {
		m(&d)
	}
	return d
}

// opEnv is an env whose service can find and erase accounts.
func opEnv(t *testing.T, mod ...func(*credential.Deps)) *env {
	t.Helper()
	e := newEnv(t)
	e.svc = credential.NewService(e.opDeps(mod...))
	return e
}

// admin registers email, gives it the admin role as `authd admin grant` does, and logs it in.
func (e *env) admin(t *testing.T, email string) (credential.Pair, *credential.Principal) {
	t.Helper()
	e.register(t, email)
	if changed, err := e.svc.GrantRole(ctx, email, user.RoleAdmin, credential.ByCLI); err != nil || !changed {
		t.Fatalf("GrantRole = %v, %v", changed, err)
	}
	return e.login(t, email)
}

// events returns the timeline of the user with id, oldest first.
func (e *env) events(t *testing.T, id user.ID) []audit.Event {
	t.Helper()
	_, events, err := e.users.Timeline.Chain(ctx, string(id))
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// eventsOf returns the events of kind on the timeline of the user with id.
func (e *env) eventsOf(t *testing.T, id user.ID, kind audit.Kind) []audit.Event {
	t.Helper()
	var out []audit.Event
	for _, ev := range e.events(t, id) {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// dead fails t unless neither token of pair works.
func (e *env) dead(t *testing.T, pair credential.Pair, what string) {
	t.Helper()
	if _, err := e.svc.Authenticate(ctx, pair.AccessToken); err == nil {
		t.Errorf("%s: the access token still authenticates", what)
	}
	if _, err := e.svc.Refresh(ctx, pair.RefreshToken); err == nil {
		t.Errorf("%s: the refresh token still refreshes", what)
	}
}

// stored returns the user with id as the store holds it.
func (e *env) stored(t *testing.T, id user.ID) *user.User {
	t.Helper()
	u, err := e.users.ByID(ctx, id)
	if err != nil {
		t.Fatalf("ByID(%s): %v", id, err)
	}
	return u
}

func (e *env) loginErr(email, password string) error {
	_, _, err := e.svc.Login(ctx, email, password, credential.Client{ThrottleKey: "192.0.2.1"})
	return err
}

// operatorCalls is every operator use case, called by p on the account with id.
var operatorCalls = []struct {
	name string
	call func(s *credential.Service, p *credential.Principal, id user.ID) error
}{
	{"find users", func(s *credential.Service, p *credential.Principal, _ user.ID) error {
		_, _, err := s.FindUsers(ctx, p, user.Query{})
		return err
	}},
	{"user by id", func(s *credential.Service, p *credential.Principal, id user.ID) error {
		_, err := s.UserByID(ctx, p, id)
		return err
	}},
	{"deactivate", func(s *credential.Service, p *credential.Principal, id user.ID) error {
		_, err := s.Deactivate(ctx, p, id)
		return err
	}},
	{"activate", func(s *credential.Service, p *credential.Principal, id user.ID) error {
		_, err := s.Activate(ctx, p, id)
		return err
	}},
	{"revoke sessions", func(s *credential.Service, p *credential.Principal, id user.ID) error {
		_, err := s.RevokeSessions(ctx, p, id)
		return err
	}},
	{"require reset", func(s *credential.Service, p *credential.Principal, id user.ID) error {
		_, err := s.RequireReset(ctx, p, id)
		return err
	}},
	{"delete user", func(s *credential.Service, p *credential.Principal, id user.ID) error {
		return s.DeleteUser(ctx, p, id)
	}},
}

func TestOperatorUseCasesNeedTheAdminRoleAsStoredNow(t *testing.T) {
	t.Parallel()
	for _, op := range operatorCalls {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			e := opEnv(t)
			adminPair, _ := e.admin(t, "admin@example.com")
			target := e.register(t, "a@example.com")
			targetPair, _ := e.login(t, "a@example.com")
			e.register(t, "plain@example.com")
			_, plain := e.login(t, "plain@example.com")

			if err := op.call(e.svc, plain, target.ID); !errors.Is(err, credential.ErrAdminRequired) {
				t.Errorf("a plain user: %v, want ErrAdminRequired", err)
			}
			// The role goes in the store while the admin's token is out; the next request reads it.
			if changed, err := e.svc.RevokeRole(ctx, "admin@example.com", user.RoleAdmin, credential.ByCLI); err != nil || !changed {
				t.Fatalf("RevokeRole = %v, %v", changed, err)
			}
			revoked, err := e.svc.Authenticate(ctx, adminPair.AccessToken)
			if err != nil {
				t.Fatalf("the former admin's token: %v", err)
			}
			if err := op.call(e.svc, revoked, target.ID); !errors.Is(err, credential.ErrAdminRequired) {
				t.Errorf("an admin whose role was revoked: %v, want ErrAdminRequired", err)
			}
			if _, err := e.svc.Authenticate(ctx, targetPair.AccessToken); err != nil {
				t.Errorf("a refused operator call touched the target's session: %v", err)
			}
			if u := e.stored(t, target.ID); !u.IsActive || u.ResetRequired {
				t.Errorf("a refused operator call changed the target: %+v", u)
			}

			// Granted again, the same token works: the refusals above were the role's doing.
			if _, err := e.svc.GrantRole(ctx, "admin@example.com", user.RoleAdmin, credential.ByCLI); err != nil {
				t.Fatal(err)
			}
			regranted, err := e.svc.Authenticate(ctx, adminPair.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			if err := op.call(e.svc, regranted, target.ID); err != nil {
				t.Errorf("an admin: %v", err)
			}
		})
	}
}

func TestOperatorUseCasesOnAnUnknownAccount(t *testing.T) {
	t.Parallel()
	for _, op := range operatorCalls[1:] {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			e := opEnv(t)
			_, admin := e.admin(t, "admin@example.com")
			if err := op.call(e.svc, admin, "0000000000000000000000ff"); !errors.Is(err, user.ErrNotFound) {
				t.Errorf("err = %v, want user.ErrNotFound", err)
			}
		})
	}
}

func TestAnAdministratorCannotLockThemselvesOut(t *testing.T) {
	t.Parallel()
	for _, op := range operatorCalls {
		if op.name != "deactivate" && op.name != "activate" && op.name != "require reset" && op.name != "delete user" {
			continue
		}
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			e := opEnv(t)
			pair, admin := e.admin(t, "admin@example.com")
			if err := op.call(e.svc, admin, admin.User.ID); !errors.Is(err, credential.ErrOwnAccount) {
				t.Fatalf("on their own account: %v, want ErrOwnAccount", err)
			}
			if _, err := e.svc.Authenticate(ctx, pair.AccessToken); err != nil {
				t.Errorf("the admin's session ended: %v", err)
			}
			if u := e.stored(t, admin.User.ID); !u.IsActive || u.ResetRequired || !u.HasRole(user.RoleAdmin) {
				t.Errorf("the admin's account changed: %+v", u)
			}
		})
	}
	t.Run("revoke sessions", func(t *testing.T) {
		t.Parallel()
		e := opEnv(t)
		pair, admin := e.admin(t, "admin@example.com")
		other, _ := e.login(t, "admin@example.com")
		if _, err := e.svc.RevokeSessions(ctx, admin, admin.User.ID); err != nil {
			t.Fatalf("ending their own sessions: %v", err)
		}
		e.dead(t, pair, "the calling session")
		e.dead(t, other, "another session of the admin")
		e.login(t, "admin@example.com")
	})
}

func TestDeactivateEndsEverySessionAndLoginUntilActivate(t *testing.T) {
	t.Parallel()
	e := opEnv(t)
	_, admin := e.admin(t, "admin@example.com")
	target := e.register(t, "a@example.com")
	pair, _ := e.login(t, "a@example.com")

	got, err := e.svc.Deactivate(ctx, admin, target.ID)
	if err != nil || got.IsActive {
		t.Fatalf("Deactivate = %+v, %v", got, err)
	}
	e.dead(t, pair, "deactivated")
	if err := e.loginErr("a@example.com", pw); !errors.Is(err, credential.ErrInactive) {
		t.Errorf("login of a deactivated account: %v, want ErrInactive", err)
	}
	if _, err := e.svc.Deactivate(ctx, admin, target.ID); err != nil {
		t.Fatalf("deactivating again: %v", err)
	}
	deactivated := e.eventsOf(t, target.ID, audit.AccountDeactivated)
	if len(deactivated) != 1 || deactivated[0].Detail != credential.Operator(admin.User.ID) || deactivated[0].Detail != "operator:"+string(admin.User.ID) {
		t.Fatalf("deactivation events = %+v, want one by operator:%s", deactivated, admin.User.ID)
	}

	got, err = e.svc.Activate(ctx, admin, target.ID)
	if err != nil || !got.IsActive {
		t.Fatalf("Activate = %+v, %v", got, err)
	}
	if _, err := e.svc.Activate(ctx, admin, target.ID); err != nil {
		t.Fatalf("activating again: %v", err)
	}
	e.dead(t, pair, "deactivated, then activated")
	e.login(t, "a@example.com")
	activated := e.eventsOf(t, target.ID, audit.AccountActivated)
	if len(activated) != 1 || activated[0].Detail != credential.Operator(admin.User.ID) {
		t.Fatalf("activation events = %+v, want one by the operator", activated)
	}
}

func TestRevokeSessionsEndsThemAndLoginStillWorks(t *testing.T) {
	t.Parallel()
	e := opEnv(t)
	_, admin := e.admin(t, "admin@example.com")
	target := e.register(t, "a@example.com")
	first, _ := e.login(t, "a@example.com")
	second, _ := e.login(t, "a@example.com")
	if _, err := e.svc.RevokeSessions(ctx, admin, target.ID); err != nil {
		t.Fatal(err)
	}
	e.dead(t, first, "first session")
	e.dead(t, second, "second session")
	e.login(t, "a@example.com")
	revoked := e.eventsOf(t, target.ID, audit.SessionRevoked)
	if len(revoked) == 0 || revoked[0].Detail != credential.Operator(admin.User.ID) {
		t.Fatalf("session_revoked events = %+v, want one by the operator", revoked)
	}
}

func TestRequireResetRefusesLoginUntilTheMailedLinkSetsAPassword(t *testing.T) {
	t.Parallel()
	e, box := opEnv(t), &postbox{}
	_, admin := e.admin(t, "admin@example.com")
	target := e.register(t, "a@example.com")
	pair, _ := e.login(t, "a@example.com")
	// A link mailed before the operator acted must not set the next password.
	if err := e.svc.ForgotPassword(ctx, "a@example.com", ""); err != nil {
		t.Fatal(err)
	}
	e.deliver(t, box)
	early := box.last(t, user.NoticeResetPassword, "a@example.com").Token

	got, err := e.svc.RequireReset(ctx, admin, target.ID)
	if err != nil || !got.ResetRequired {
		t.Fatalf("RequireReset = %+v, %v", got, err)
	}
	e.dead(t, pair, "reset required")
	if err := e.loginErr("a@example.com", pw); !errors.Is(err, credential.ErrResetRequired) {
		t.Errorf("login with the right password: %v, want ErrResetRequired", err)
	}
	if err := e.loginErr("a@example.com", "WrongPass123!"); !errors.Is(err, credential.ErrInvalidCredentials) {
		t.Errorf("login with a wrong password: %v, want ErrInvalidCredentials", err)
	}
	queued := 0
	for _, m := range e.users.Mail.Messages() {
		if m.Kind == user.NoticeResetPassword && m.To == "a@example.com" && m.UserID == target.ID {
			queued++
		}
	}
	if queued != 1 {
		t.Fatalf("reset notices queued for the account = %d, want 1", queued)
	}
	if n := e.deliver(t, box); n < 1 {
		t.Fatalf("delivered %d after RequireReset", n)
	}
	link := box.last(t, user.NoticeResetPassword, "a@example.com").Token
	const newPw = "BrandNewPass456!"
	if err := e.svc.ResetPassword(ctx, credential.PasswordReset{Token: early, New: newPw, Confirm: newPw}); !errors.Is(err, credential.ErrBadLink) {
		t.Errorf("the link mailed before RequireReset: %v, want ErrBadLink", err)
	}
	if err := e.svc.ResetPassword(ctx, credential.PasswordReset{Token: link, New: newPw, Confirm: newPw}); err != nil {
		t.Fatalf("ResetPassword with the mailed link: %v", err)
	}
	if _, _, err := e.svc.Login(ctx, "a@example.com", newPw, credential.Client{ThrottleKey: "192.0.2.1"}); err != nil {
		t.Fatalf("login after the reset: %v", err)
	}
	if e.stored(t, target.ID).ResetRequired {
		t.Error("still ResetRequired after the reset")
	}
	required := e.eventsOf(t, target.ID, audit.PasswordResetRequired)
	if len(required) != 1 || required[0].Detail != credential.Operator(admin.User.ID) {
		t.Fatalf("password_reset_required events = %+v, want one by the operator", required)
	}
}

func TestALoginRefusedForAResetCountsTowardsTheLockout(t *testing.T) {
	t.Parallel()
	e, box := opEnv(t), &postbox{}
	_, admin := e.admin(t, "admin@example.com")
	target := e.register(t, "a@example.com")
	if _, err := e.svc.RequireReset(ctx, admin, target.ID); err != nil {
		t.Fatal(err)
	}
	for i := range throttleConfig.LoginMaxFailures {
		if err := e.loginErr("a@example.com", pw); !errors.Is(err, credential.ErrResetRequired) {
			t.Fatalf("login %d: %v, want ErrResetRequired", i+1, err)
		}
	}
	if err := e.loginErr("a@example.com", pw); !errors.Is(err, throttle.ErrThrottled) {
		t.Fatalf("login past the limit: %v, want ErrThrottled", err)
	}
	// The owner proves the mailbox: the reset forgives the lockout.
	e.deliver(t, box)
	const newPw = "BrandNewPass456!"
	link := box.last(t, user.NoticeResetPassword, "a@example.com").Token
	if err := e.svc.ResetPassword(ctx, credential.PasswordReset{Token: link, New: newPw, Confirm: newPw}); err != nil {
		t.Fatal(err)
	}
	if err := e.loginErr("a@example.com", newPw); err != nil {
		t.Fatalf("login after the reset: %v", err)
	}
}

func TestFindUsersClampsItsPageAndSkipsTheDeleted(t *testing.T) {
	t.Parallel()
	e := opEnv(t)
	_, admin := e.admin(t, "admin@example.com")
	var ids []user.ID
	for _, email := range []string{"c@example.com", "a@example.com", "b@example.com"} {
		ids = append(ids, e.register(t, email).ID)
	}
	if _, err := e.svc.Deactivate(ctx, admin, ids[2]); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteUser(ctx, admin, ids[0]); err != nil {
		t.Fatal(err)
	}
	active, inactive := true, false
	tests := []struct {
		name string
		q    user.Query
		want []string
		more bool
	}{
		{"no limit is one", user.Query{}, []string{"a@example.com"}, true},
		{"a huge limit is clamped, not refused", user.Query{Limit: 1 << 20}, []string{"a@example.com", "admin@example.com", "b@example.com"}, false},
		{"a page that just holds the rest", user.Query{After: "a@example.com", Limit: 2}, []string{"admin@example.com", "b@example.com"}, false},
		{"a page short of the rest", user.Query{Limit: 2}, []string{"a@example.com", "admin@example.com"}, true},
		{"active only", user.Query{IsActive: &active, Limit: 10}, []string{"a@example.com", "admin@example.com"}, false},
		{"inactive only", user.Query{IsActive: &inactive, Limit: 10}, []string{"b@example.com"}, false},
		{"a prefix", user.Query{EmailPrefix: "c", Limit: 10}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			found, more, err := e.svc.FindUsers(ctx, admin, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range found {
				got = append(got, u.Email)
			}
			if !slices.Equal(got, tt.want) || more != tt.more {
				t.Errorf("found %v, more %v; want %v, more %v", got, more, tt.want, tt.more)
			}
		})
	}
}
