package credential_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/fake"
)

type env struct {
	svc      *credential.Service
	users    *fake.Users
	sessions *fake.Sessions
	attempts *fake.Attempts
	hasher   *fake.Hasher
	clock    *fake.Clock
	ids      *fake.IDs
}

var ctx = context.Background()

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		users: fake.NewUsers(), attempts: fake.NewAttempts(), hasher: &fake.Hasher{Version: "v2"},
		clock: fake.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)), ids: &fake.IDs{},
	}
	e.sessions = fake.NewSessions(e.users)
	e.svc = credential.NewService(e.deps())
	return e
}

// deps is what newEnv builds its service from; tests change a part and build another over the same stores.
func (e *env) deps() credential.Deps {
	return credential.Deps{
		Users: e.users, Sessions: e.sessions, Throttle: throttle.New(e.attempts, e.clock, throttleConfig), Hasher: e.hasher,
		Policy: credential.NewPolicy(fake.Meter{}), Tokens: fake.Tokens{}, Clock: e.clock, IDs: e.ids, Outbox: e.users.Mail, Timeline: e.users.Timeline,
		Config: credential.Config{
			AccessTTL: 30 * time.Minute, RefreshTTL: 24 * time.Hour,
			ResetTTL: 30 * time.Minute, VerifyTTL: 24 * time.Hour, EmailChangeTTL: time.Hour,
		},
	}
}

const pw = "SecurePass123!"

var throttleConfig = throttle.Config{
	LoginMaxFailures: 5, LoginWindow: 15 * time.Minute, IPMaxFailures: 20, RegisterMaxPerIP: 3, RegisterWindow: time.Hour,
	MailMaxPerAccount: 3, MailMaxPerIP: 10, MailWindow: time.Hour, TokenMaxFailures: 5,
}

func (e *env) register(t *testing.T, email string) *user.User {
	t.Helper()
	u, err := e.svc.Register(ctx, credential.Registration{Email: email, Password: pw, ConfirmPassword: pw, FirstName: "A", LastName: "B"})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	return u
}

func (e *env) login(t *testing.T, email string) (credential.Pair, *credential.Principal) {
	t.Helper()
	pair, _, err := e.svc.Login(ctx, email, pw, credential.Client{ThrottleKey: "192.0.2.1"})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	p, err := e.svc.Authenticate(ctx, pair.AccessToken)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return pair, p
}

func fields(err error) []string {
	var errs user.ValidationErrors
	if !errors.As(err, &errs) {
		return nil
	}
	var out []string
	for _, e := range errs {
		out = append(out, e.Field+":"+string(e.Kind))
	}
	return out
}

func TestRegister(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		reg  credential.Registration
		want []string
	}{
		{"valid", credential.Registration{Email: "A@Example.com", Password: pw, ConfirmPassword: pw, FirstName: "A", LastName: "B"}, nil},
		{"mismatch", credential.Registration{Email: "a@example.com", Password: pw, ConfirmPassword: pw + "x", FirstName: "A", LastName: "B"},
			[]string{"confirm_password:mismatch"}},
		{"everything wrong at once", credential.Registration{Email: "bad", Password: "short", ConfirmPassword: "other", FirstName: "", LastName: ""},
			[]string{"email:invalid", "first_name:too short", "last_name:too short", "password:too short", "confirm_password:mismatch"}},
		{"too long", credential.Registration{Email: "a@example.com", Password: strings.Repeat("x", 129), ConfirmPassword: strings.Repeat("x", 129), FirstName: "A", LastName: "B"},
			[]string{"password:too long"}},
		{"128 code points is fine", credential.Registration{Email: "a@example.com", Password: strings.Repeat("é", 128), ConfirmPassword: strings.Repeat("é", 128), FirstName: "A", LastName: "B"}, nil},
		{"weak", credential.Registration{Email: "a@example.com", Password: "weakweakweak", ConfirmPassword: "weakweakweak", FirstName: "A", LastName: "B"},
			[]string{"password:too weak"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			u, err := e.svc.Register(ctx, tt.reg)
			if got := fields(err); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("errors = %v, want %v (%v)", got, tt.want, err)
			}
			if tt.want != nil {
				if e.hasher.Hashes.Load() != 0 {
					t.Error("an invalid registration was hashed")
				}
				return
			}
			if u.Email != strings.ToLower(tt.reg.Email) || u.PasswordHash == tt.reg.Password || !u.IsActive || u.IsVerified || u.LastLogin != nil {
				t.Errorf("registered user = %+v", u)
			}
		})
	}
}

func TestRegisterDuplicate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "dup@example.com")
	_, err := e.svc.Register(ctx, credential.Registration{Email: "DUP@example.com", Password: pw, ConfirmPassword: pw, FirstName: "A", LastName: "B"})
	if !errors.Is(err, user.ErrEmailTaken) {
		t.Fatalf("got %v, want ErrEmailTaken", err)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "a@example.com")
	pair, got, err := e.svc.Login(ctx, "A@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if pair.AccessToken == "" || pair.RefreshToken == "" || pair.ExpiresIn != 30*time.Minute {
		t.Errorf("pair = %+v", pair)
	}
	stored, _ := e.users.ByID(ctx, u.ID)
	if got.ID != u.ID || stored.LastLogin == nil || !stored.LastLogin.Equal(e.clock.Now()) {
		t.Errorf("last login not recorded: %+v", stored.LastLogin)
	}

	before := e.hasher.Verifies.Load()
	for _, tc := range []struct{ email, password string }{{"a@example.com", "WrongPass123!"}, {"nobody@example.com", "WrongPass123!"}} {
		if _, _, err := e.svc.Login(ctx, tc.email, tc.password, credential.Client{ThrottleKey: "192.0.2.1"}); !errors.Is(err, credential.ErrInvalidCredentials) {
			t.Errorf("Login(%s) = %v, want ErrInvalidCredentials", tc.email, err)
		}
	}
	// The unknown email costs a Verify too (plus one Hash, once, for the dummy).
	if n := e.hasher.Verifies.Load() - before; n != 2 {
		t.Errorf("verifies for two failed logins = %d, want 2", n)
	}

	before = e.hasher.Verifies.Load()
	var ve *user.ValidationError
	if _, _, err := e.svc.Login(ctx, "a@example.com", strings.Repeat("x", 129), credential.Client{ThrottleKey: "192.0.2.1"}); !errors.As(err, &ve) || ve.Kind != user.TooLong {
		t.Errorf("oversized password: %v, want a too-long validation error", err)
	}
	if e.hasher.Verifies.Load() != before {
		t.Error("an oversized password was hashed")
	}
	if _, _, err := e.svc.Login(ctx, "not-an-email", pw, credential.Client{ThrottleKey: "192.0.2.1"}); fields(err) == nil && !isValidation(err) {
		t.Errorf("malformed email: %v", err)
	}
}

func isValidation(err error) bool {
	var ve *user.ValidationError
	return errors.As(err, &ve)
}

func TestLoginInactive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "a@example.com")
	if _, err := e.users.Update(ctx, u.ID, func(u *user.User) error { u.IsActive = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"}); !errors.Is(err, credential.ErrInactive) {
		t.Errorf("right password: %v, want ErrInactive", err)
	}
	if _, _, err := e.svc.Login(ctx, "a@example.com", "WrongPass123!", credential.Client{ThrottleKey: "192.0.2.1"}); !errors.Is(err, credential.ErrInvalidCredentials) {
		t.Errorf("wrong password: %v, want ErrInvalidCredentials", err)
	}
}

func TestLoginUpgradesOutdatedHash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.hasher.Version = "v1"
	u := e.register(t, "a@example.com")
	e.hasher.Version = "v2"
	e.login(t, "a@example.com")
	stored, _ := e.users.ByID(ctx, u.ID)
	if !strings.HasPrefix(stored.PasswordHash, "fake$v2$") {
		t.Errorf("hash not upgraded: %s", stored.PasswordHash)
	}
	e.login(t, "a@example.com")
}

// conflictingSessions fails every login's write to its user, as a store would under an endless
// burst of writers to that user.
type conflictingSessions struct{ *fake.Sessions }

func (conflictingSessions) Open(context.Context, *credential.Session, func(*user.User) error) (*user.User, error) {
	return nil, user.ErrConflict
}

func TestLoginSurvivesWriteContention(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	d := e.deps()
	d.Sessions = conflictingSessions{e.sessions}
	svc := credential.NewService(d)
	pair, u, err := svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"})
	if err != nil {
		t.Fatalf("login under contention: %v", err)
	}
	if u.LastLogin == nil || pair.AccessToken == "" {
		t.Errorf("login under contention returned %+v, %+v", u, pair)
	}
	if _, err := svc.Authenticate(ctx, pair.AccessToken); err != nil {
		t.Errorf("the session of a contended login doesn't work: %v", err)
	}
}
