package credential_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/fake"
)

// configured is a service over e's stores for which emails are the administrators' addresses.
func (e *env) configured(emails ...string) *credential.Service {
	return credential.NewService(e.opDeps(func(d *credential.Deps) { d.Config.AdminEmails = emails }))
}

// verify proves the address of the account at email with the verification link mailed to it.
func (e *env) verify(t *testing.T, svc *credential.Service, box *postbox, email string) *user.User {
	t.Helper()
	e.deliver(t, box)
	u, err := svc.VerifyEmail(ctx, box.last(t, user.NoticeVerifyEmail, email).Token, "")
	if err != nil {
		t.Fatalf("VerifyEmail(%s): %v", email, err)
	}
	return u
}

// grantsByConfig is how many role_granted events by the configuration the user with id has.
func (e *env) grantsByConfig(t *testing.T, id user.ID) int {
	t.Helper()
	n := 0
	for _, ev := range e.eventsOf(t, id, audit.RoleGranted) {
		if ev.Detail == "config" {
			n++
		}
	}
	return n
}

func TestGrantConfiguredGrantsVerifiedConfiguredAccountsOnly(t *testing.T) {
	t.Parallel()
	e, box := opEnv(t), &postbox{}
	boss := e.register(t, "boss@example.com")
	plain := e.register(t, "plain@example.com")
	e.verify(t, e.svc, box, "boss@example.com")
	e.verify(t, e.svc, box, "plain@example.com")
	later := e.register(t, "later@example.com")

	svc := e.configured("boss@example.com", "later@example.com", "nobody@example.com")
	granted, err := svc.GrantConfigured(ctx)
	if err != nil || !slices.Equal(granted, []string{"boss@example.com"}) {
		t.Fatalf("GrantConfigured = %v, %v; want [boss@example.com]", granted, err)
	}
	if granted, err := svc.GrantConfigured(ctx); err != nil || len(granted) != 0 {
		t.Fatalf("GrantConfigured again = %v, %v; want nothing", granted, err)
	}
	for _, tc := range []struct {
		id    user.ID
		admin bool
	}{{boss.ID, true}, {plain.ID, false}, {later.ID, false}} {
		u := e.stored(t, tc.id)
		if u.HasRole(user.RoleAdmin) != tc.admin {
			t.Errorf("%s: admin = %v, want %v", u.Email, !tc.admin, tc.admin)
		}
		if want := map[bool]int{true: 1}[tc.admin]; e.grantsByConfig(t, tc.id) != want {
			t.Errorf("%s: role_granted by config events = %d, want %d", u.Email, e.grantsByConfig(t, tc.id), want)
		}
	}

	// The configured address that wasn't verified gets the role when its owner verifies it.
	if u := e.verify(t, svc, box, "later@example.com"); !u.HasRole(user.RoleAdmin) {
		t.Errorf("verified a configured address: roles %v", u.Roles)
	}
	if !e.stored(t, later.ID).HasRole(user.RoleAdmin) || e.grantsByConfig(t, later.ID) != 1 {
		t.Errorf("verifying a configured address: stored %+v, %d grants", e.stored(t, later.ID), e.grantsByConfig(t, later.ID))
	}
	_, p := e.login(t, "later@example.com")
	if _, _, err := svc.FindUsers(ctx, p, user.Query{Limit: 10}); err != nil {
		t.Errorf("the promoted account as an operator: %v", err)
	}
}

func TestProvingAConfiguredAddressGrantsTheAdminRole(t *testing.T) {
	t.Parallel()
	const newPw = "BrandNewPass456!"
	tests := []struct {
		name string
		// prove has the account it registers prove its mailbox is boss@example.com's.
		prove func(t *testing.T, e *env, svc *credential.Service, box *postbox) user.ID
	}{
		{"verify email", func(t *testing.T, e *env, svc *credential.Service, box *postbox) user.ID {
			return e.verify(t, svc, box, "boss@example.com").ID
		}},
		{"reset password", func(t *testing.T, e *env, svc *credential.Service, box *postbox) user.ID {
			if err := svc.ForgotPassword(ctx, "boss@example.com", ""); err != nil {
				t.Fatal(err)
			}
			e.deliver(t, box)
			link := box.last(t, user.NoticeResetPassword, "boss@example.com").Token
			if err := svc.ResetPassword(ctx, credential.PasswordReset{Token: link, New: newPw, Confirm: newPw}); err != nil {
				t.Fatal(err)
			}
			u, err := e.users.ByEmail(ctx, "boss@example.com")
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}},
		{"confirm email change", func(t *testing.T, e *env, svc *credential.Service, box *postbox) user.ID {
			e.register(t, "old@example.com")
			_, p := e.login(t, "old@example.com")
			if err := svc.RequestEmailChange(ctx, p, credential.EmailChange{NewEmail: "boss@example.com", CurrentPassword: pw}); err != nil {
				t.Fatal(err)
			}
			e.deliver(t, box)
			u, err := svc.ConfirmEmailChange(ctx, box.last(t, user.NoticeConfirmEmail, "boss@example.com").Token, "")
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, box := opEnv(t), &postbox{}
			svc := e.configured("boss@example.com")
			if tt.name != "confirm email change" {
				e.register(t, "boss@example.com")
			}
			id := tt.prove(t, e, svc, box)
			if u := e.stored(t, id); !u.HasRole(user.RoleAdmin) || e.grantsByConfig(t, id) != 1 {
				t.Errorf("roles %v, %d grants by config; want admin, 1", u.Roles, e.grantsByConfig(t, id))
			}
		})
	}
}

// recordingTokens is fake.Tokens that keeps the claims it was asked to sign: fake.Tokens' text
// has no room for roles, so what a codec is given is what a test can check.
type recordingTokens struct {
	fake.Tokens
	mu     sync.Mutex
	signed []credential.Claims
}

func (r *recordingTokens) Sign(c credential.Claims) (string, error) {
	r.mu.Lock()
	r.signed = append(r.signed, c)
	r.mu.Unlock()
	return r.Tokens.Sign(c)
}

// lastAccess returns the claims of the access token signed last.
func (r *recordingTokens) lastAccess(t *testing.T) credential.Claims {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.signed) - 1; i >= 0; i-- {
		if r.signed[i].Kind == credential.Access {
			return r.signed[i]
		}
	}
	t.Fatal("no access token signed")
	return credential.Claims{}
}

func TestTheAccessTokenNamesTheRolesHeldWhenItWasIssued(t *testing.T) {
	t.Parallel()
	rec := &recordingTokens{}
	e := opEnv(t, func(d *credential.Deps) { d.Tokens = rec })
	admin := []user.Role{user.RoleAdmin}

	pair, _ := e.admin(t, "admin@example.com")
	if got := rec.lastAccess(t).Roles; !slices.Equal(got, admin) {
		t.Errorf("login: roles %v, want %v", got, admin)
	}
	for _, c := range rec.signed {
		if c.Kind == credential.Refresh && c.Roles != nil {
			t.Errorf("a refresh token names roles %v", c.Roles)
		}
	}
	if _, err := e.svc.RevokeRole(ctx, "admin@example.com", user.RoleAdmin, credential.ByCLI); err != nil {
		t.Fatal(err)
	}
	pair, err := e.svc.Refresh(ctx, pair.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.lastAccess(t).Roles; len(got) != 0 {
		t.Errorf("refresh after the revocation: roles %v, want none", got)
	}
	if _, err := e.svc.GrantRole(ctx, "admin@example.com", user.RoleAdmin, credential.ByCLI); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Refresh(ctx, pair.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if got := rec.lastAccess(t).Roles; !slices.Equal(got, admin) {
		t.Errorf("refresh after the grant: roles %v, want %v", got, admin)
	}

	e.register(t, "plain@example.com")
	e.login(t, "plain@example.com")
	if got := rec.lastAccess(t).Roles; len(got) != 0 {
		t.Errorf("a plain user's login: roles %v, want none", got)
	}
}
