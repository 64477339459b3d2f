package credential_test

import (
	"errors"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/fake"
)

func TestRefreshRotatesOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	pair, _ := e.login(t, "a@example.com")

	next, err := e.svc.Refresh(ctx, pair.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if next.RefreshToken == pair.RefreshToken {
		t.Fatal("refresh token was not rotated")
	}
	if _, err := e.svc.Refresh(ctx, pair.RefreshToken); !errors.Is(err, credential.ErrRefreshReused) {
		t.Fatalf("replay: %v, want ErrRefreshReused", err)
	}
	// The replay revoked the session: the newest tokens die with it.
	if _, err := e.svc.Refresh(ctx, next.RefreshToken); !errors.Is(err, credential.ErrSessionRevoked) {
		t.Errorf("newest refresh after reuse: %v, want ErrSessionRevoked", err)
	}
	if _, err := e.svc.Authenticate(ctx, next.AccessToken); !errors.Is(err, credential.ErrSessionRevoked) {
		t.Errorf("newest access after reuse: %v, want ErrSessionRevoked", err)
	}
}

func TestRefreshRejects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	pair, _ := e.login(t, "a@example.com")
	if _, err := e.svc.Refresh(ctx, pair.AccessToken); !errors.Is(err, credential.ErrInvalidToken) {
		t.Errorf("access token as refresh: %v", err)
	}
	if _, err := e.svc.Refresh(ctx, "garbage"); !errors.Is(err, credential.ErrInvalidToken) {
		t.Errorf("garbage: %v", err)
	}
	e.clock.Advance(25 * time.Hour)
	if _, err := e.svc.Refresh(ctx, pair.RefreshToken); !errors.Is(err, credential.ErrSessionRevoked) {
		t.Errorf("expired session: %v, want ErrSessionRevoked", err)
	}
}

func TestRefreshExtendsTheSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	pair, _ := e.login(t, "a@example.com")
	e.clock.Advance(20 * time.Hour)
	next, err := e.svc.Refresh(ctx, pair.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(20 * time.Hour) // 40h after login, 20h after the refresh
	if _, err := e.svc.Refresh(ctx, next.RefreshToken); err != nil {
		t.Errorf("a refreshed session expired from its login time: %v", err)
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "a@example.com")
	pair, p := e.login(t, "a@example.com")
	if p.User.ID != u.ID || p.Session.UserID != string(u.ID) {
		t.Fatalf("principal = %+v", p)
	}
	if _, err := e.svc.Authenticate(ctx, pair.RefreshToken); !errors.Is(err, credential.ErrInvalidToken) {
		t.Errorf("refresh as access: %v", err)
	}
	if _, err := e.users.Update(ctx, u.ID, func(u *user.User) error { u.IsActive = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, pair.AccessToken); !errors.Is(err, credential.ErrInvalidToken) {
		t.Errorf("deactivated user: %v, want ErrInvalidToken", err)
	}
}

func TestAuthenticateForgedSubject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	b := e.register(t, "b@example.com")
	_, p := e.login(t, "a@example.com")
	// A token naming a's session but b as subject must not authenticate as b.
	forged := "access|j|" + string(b.ID) + "|" + p.Session.ID + "|" + p.Session.ExpiresAt.Format(time.RFC3339Nano)
	if _, err := e.svc.Authenticate(ctx, forged); !errors.Is(err, credential.ErrInvalidToken) {
		t.Errorf("mismatched subject: %v", err)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	e.register(t, "b@example.com")
	pair, p := e.login(t, "a@example.com")
	other, _ := e.login(t, "a@example.com")
	third, _ := e.login(t, "a@example.com")
	foreign, _ := e.login(t, "b@example.com")

	if err := e.svc.Logout(ctx, p, other.RefreshToken); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"own": pair.AccessToken, "named in body": other.AccessToken} {
		if _, err := e.svc.Authenticate(ctx, tok); !errors.Is(err, credential.ErrSessionRevoked) {
			t.Errorf("%s session after logout: %v", name, err)
		}
	}
	if _, err := e.svc.Authenticate(ctx, third.AccessToken); err != nil {
		t.Errorf("unrelated session was logged out: %v", err)
	}
	_, p3 := e.login(t, "a@example.com")
	if err := e.svc.Logout(ctx, p3, foreign.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, foreign.AccessToken); err != nil {
		t.Errorf("another user's session was logged out: %v", err)
	}
	if err := e.svc.Logout(ctx, p3, "garbage"); err != nil {
		t.Errorf("garbage refresh token in logout: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "a@example.com")
	current, p := e.login(t, "a@example.com")
	other, _ := e.login(t, "a@example.com")

	const newPw = "NewSecurePass123!"
	err := e.svc.ChangePassword(ctx, p, credential.PasswordChange{Current: pw, New: newPw, Confirm: newPw})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, current.AccessToken); err != nil {
		t.Errorf("the changing session was revoked: %v", err)
	}
	if _, err := e.svc.Refresh(ctx, current.RefreshToken); err != nil {
		t.Errorf("the changing session can't refresh: %v", err)
	}
	if _, err := e.svc.Authenticate(ctx, other.AccessToken); !errors.Is(err, credential.ErrSessionRevoked) {
		t.Errorf("other session survived: %v", err)
	}
	if _, err := e.svc.Refresh(ctx, other.RefreshToken); !errors.Is(err, credential.ErrSessionRevoked) {
		t.Errorf("other session can refresh: %v", err)
	}
	if _, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"}); !errors.Is(err, credential.ErrInvalidCredentials) {
		t.Errorf("old password still works: %v", err)
	}
	if _, _, err := e.svc.Login(ctx, "a@example.com", newPw, credential.Client{ThrottleKey: "192.0.2.1"}); err != nil {
		t.Errorf("new password: %v", err)
	}
	stored, _ := e.users.ByID(ctx, u.ID)
	if stored.TokenEpoch != 1 {
		t.Errorf("epoch = %d", stored.TokenEpoch)
	}
}

func TestChangePasswordRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change credential.PasswordChange
		want   []string
		err    error
	}{
		{"wrong current", credential.PasswordChange{Current: "WrongPass123!", New: "NewSecure1!", Confirm: "NewSecure1!"}, nil, credential.ErrWrongPassword},
		{"mismatch", credential.PasswordChange{Current: pw, New: "NewSecure1!", Confirm: "NewSecure2!"}, []string{"confirm_password:mismatch"}, nil},
		{"same as current", credential.PasswordChange{Current: pw, New: pw, Confirm: pw}, []string{"new_password:same as current"}, nil},
		{"too short", credential.PasswordChange{Current: pw, New: "short", Confirm: "short"}, []string{"new_password:too short"}, nil},
		{"weak", credential.PasswordChange{Current: pw, New: "weakweakweak", Confirm: "weakweakweak"}, []string{"new_password:too weak"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			u := e.register(t, "a@example.com")
			_, p := e.login(t, "a@example.com")
			err := e.svc.ChangePassword(ctx, p, tt.change)
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got := fields(err); tt.err == nil && len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Fatalf("errors = %v, want %v", got, tt.want)
			}
			stored, _ := e.users.ByID(ctx, u.ID)
			if stored.PasswordHash != u.PasswordHash || stored.TokenEpoch != 0 {
				t.Error("a refused change modified the user")
			}
		})
	}
}

func TestAuthenticateDeletedUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	pair, p := e.login(t, "a@example.com")
	// A store without the user: as after an operator deleted the account.
	d := e.deps()
	d.Users = fake.NewUsers()
	svc := credential.NewService(d)
	if _, err := svc.Authenticate(ctx, pair.AccessToken); !errors.Is(err, credential.ErrInvalidToken) {
		t.Errorf("deleted user %s: %v, want ErrInvalidToken", p.User.ID, err)
	}
}

func TestSessionHasAnAbsoluteLifetime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	d := e.deps()
	d.Config = credential.Config{AccessTTL: time.Minute, RefreshTTL: 24 * time.Hour, SessionMaxAge: 48 * time.Hour}
	svc := credential.NewService(d)
	pair, _, err := svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	// Refreshing every 20 hours keeps the session alive until 48 hours after login, and no longer.
	for range 2 {
		e.clock.Advance(20 * time.Hour)
		if pair, err = svc.Refresh(ctx, pair.RefreshToken); err != nil {
			t.Fatalf("refresh within the lifetime: %v", err)
		}
	}
	e.clock.Advance(9 * time.Hour) // 49h after login
	if _, err := svc.Refresh(ctx, pair.RefreshToken); !errors.Is(err, credential.ErrSessionRevoked) {
		t.Fatalf("refresh past the absolute lifetime: %v, want ErrSessionRevoked", err)
	}
}
