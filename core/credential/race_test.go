package credential_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/fake"
)

// gatedHasher lets a test hold one Verify of a given password after it has checked the hash, the
// moment a login has verified a password but not yet opened its session.
type gatedHasher struct {
	*fake.Hasher
	password string
	verified chan struct{} // closed when the gated Verify has checked its hash
	release  chan struct{} // the gated Verify returns once this is closed
	once     sync.Once
}

func (h *gatedHasher) Verify(ctx context.Context, hash, pw string) (bool, bool, error) {
	ok, outdated, err := h.Hasher.Verify(ctx, hash, pw)
	if pw == h.password {
		h.once.Do(func() {
			close(h.verified)
			<-h.release
		})
	}
	return ok, outdated, err
}

// A login that verified the old password just before a password change must not leave a working
// session behind once the change has answered: its session carries the epoch it verified against.
func TestLoginThatVerifiedTheOldPasswordEndsWithTheChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	_, changer := e.login(t, "a@example.com")

	const racer = "SecurePass123!"
	h := &gatedHasher{Hasher: e.hasher, password: racer, verified: make(chan struct{}), release: make(chan struct{})}
	d := e.deps()
	d.Hasher = h
	svc := credential.NewService(d)

	type result struct {
		pair credential.Pair
		err  error
	}
	done := make(chan result, 1)
	go func() {
		pair, _, err := svc.Login(ctx, "a@example.com", racer, credential.Client{ThrottleKey: "192.0.2.1"})
		done <- result{pair, err}
	}()
	<-h.verified
	// The login has verified the old password. The change runs to completion now, on the plain
	// hasher, and only then does the login carry on.
	const newPw = "NewSecurePass123!"
	if err := e.svc.ChangePassword(ctx, changer, credential.PasswordChange{Current: pw, New: newPw, Confirm: newPw}); err != nil {
		t.Fatalf("change password: %v", err)
	}
	close(h.release)
	r := <-done
	if r.err == nil {
		if _, err := e.svc.Authenticate(ctx, r.pair.AccessToken); err == nil {
			t.Error("the access token of a login that verified the old password works after the change")
		}
		if _, err := e.svc.Refresh(ctx, r.pair.RefreshToken); err == nil {
			t.Error("the refresh token of a login that verified the old password works after the change")
		}
	} else if !errors.Is(r.err, credential.ErrInvalidCredentials) {
		t.Errorf("racing login: %v, want success with a dead session or ErrInvalidCredentials", r.err)
	}
}

// Logins with the old password race password changes many times over; whatever the interleaving,
// once a change has answered, no token of a login that verified the old password works.
func TestLoginsRacingPasswordChangesNeverOutliveThem(t *testing.T) {
	t.Parallel()
	for round := range 200 {
		e := newEnv(t)
		e.register(t, "a@example.com")
		_, changer := e.login(t, "a@example.com")
		const newPw = "NewSecurePass123!"
		var wg sync.WaitGroup
		var pair credential.Pair
		var loginErr, changeErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range round % 7 {
				runtime.Gosched()
			}
			pair, _, loginErr = e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"})
		}()
		go func() {
			defer wg.Done()
			for range round % 5 {
				runtime.Gosched()
			}
			changeErr = e.svc.ChangePassword(ctx, changer, credential.PasswordChange{Current: pw, New: newPw, Confirm: newPw})
		}()
		wg.Wait()
		if changeErr != nil {
			t.Fatalf("round %d: change password: %v", round, changeErr)
		}
		if loginErr != nil {
			if !errors.Is(loginErr, credential.ErrInvalidCredentials) {
				t.Fatalf("round %d: login: %v", round, loginErr)
			}
			continue
		}
		if _, err := e.svc.Authenticate(ctx, pair.AccessToken); err == nil {
			t.Fatalf("round %d: a login with the old password outlived the change", round)
		}
		if _, err := e.svc.Refresh(ctx, pair.RefreshToken); err == nil {
			t.Fatalf("round %d: a refresh token from the old password outlived the change", round)
		}
	}
}

// A reset races logins with the old password (the account's squatter, say) many times over;
// whatever the interleaving, once the reset has answered, no session of such a login works.
func TestLoginsRacingAResetNeverOutliveIt(t *testing.T) {
	t.Parallel()
	for round := range 100 {
		e, box := newEnv(t), &postbox{}
		e.register(t, "a@example.com")
		if err := e.svc.ForgotPassword(ctx, "a@example.com", ""); err != nil {
			t.Fatal(err)
		}
		e.deliver(t, box)
		token := box.last(t, user.NoticeResetPassword, "a@example.com").Token
		const newPw = "NewSecurePass123!"
		var wg sync.WaitGroup
		var pair credential.Pair
		var loginErr, resetErr error
		wg.Go(func() {
			for range round % 7 {
				runtime.Gosched()
			}
			pair, _, loginErr = e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"})
		})
		wg.Go(func() {
			for range round % 5 {
				runtime.Gosched()
			}
			resetErr = e.svc.ResetPassword(ctx, credential.PasswordReset{Token: token, New: newPw, Confirm: newPw})
		})
		wg.Wait()
		if resetErr != nil {
			t.Fatalf("round %d: reset: %v", round, resetErr)
		}
		if loginErr != nil {
			if !errors.Is(loginErr, credential.ErrInvalidCredentials) {
				t.Fatalf("round %d: login: %v", round, loginErr)
			}
			continue
		}
		if _, err := e.svc.Authenticate(ctx, pair.AccessToken); err == nil {
			t.Fatalf("round %d: a login with the old password outlived the reset", round)
		}
		if _, err := e.svc.Refresh(ctx, pair.RefreshToken); err == nil {
			t.Fatalf("round %d: a refresh token from the old password outlived the reset", round)
		}
	}
}
