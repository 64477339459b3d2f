package credential_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// postbox is a mail.Sender that keeps every letter, and can be made to fail.
type postbox struct {
	mu      sync.Mutex
	letters []mail.Letter
	down    bool
}

func (p *postbox) Send(_ context.Context, l mail.Letter) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return errors.New("421 service not available")
	}
	p.letters = append(p.letters, l)
	return nil
}

// last returns the latest letter of kind to addr.
func (p *postbox) last(t *testing.T, kind user.NoticeKind, to string) mail.Letter {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.letters) - 1; i >= 0; i-- {
		if l := p.letters[i]; l.Kind == kind && l.To == to {
			return l
		}
	}
	t.Fatalf("no %s letter to %s among %d", kind, to, len(p.letters))
	return mail.Letter{}
}

func (p *postbox) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.letters)
}

// deliver runs a courier over everything queued so far.
func (e *env) deliver(t *testing.T, box *postbox) int {
	t.Helper()
	c := mail.NewCourier(mail.CourierDeps{Outbox: e.users.Mail, Composer: e.svc, Sender: box, Clock: e.clock})
	n, err := c.DeliverDue(ctx)
	if err != nil {
		t.Fatalf("DeliverDue: %v", err)
	}
	return n
}

func TestRegistrationMailsAVerificationLinkThatWorksOnce(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{}
	u := e.register(t, "a@example.com")
	if n := e.deliver(t, box); n != 1 {
		t.Fatalf("delivered %d messages after registering, want 1", n)
	}
	l := box.last(t, user.NoticeVerifyEmail, "a@example.com")
	if l.Token == "" || l.FirstName != "A" || !l.ExpiresAt.Equal(e.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("letter = %+v", l)
	}
	stored, _ := e.users.ByID(ctx, u.ID)
	if len(stored.Tokens) != 1 || stored.Tokens[0].Digest == l.Token || len(stored.Tokens[0].Digest) != 64 {
		t.Fatalf("stored tokens = %+v: want one digest, not the token", stored.Tokens)
	}
	got, err := e.svc.VerifyEmail(ctx, l.Token, "192.0.2.9")
	if err != nil || !got.IsVerified {
		t.Fatalf("VerifyEmail = %+v, %v", got, err)
	}
	if _, err := e.svc.VerifyEmail(ctx, l.Token, "192.0.2.9"); !errors.Is(err, credential.ErrBadLink) {
		t.Fatalf("second use: err = %v, want ErrBadLink", err)
	}
	if err := e.svc.ResendVerification(ctx, &credential.Principal{User: got}, "192.0.2.9"); !errors.Is(err, credential.ErrAlreadyVerified) {
		t.Fatalf("resend when verified: err = %v", err)
	}
}

func TestBadLinksAreIndistinguishable(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{}
	e.register(t, "a@example.com")
	e.deliver(t, box)
	good := box.last(t, user.NoticeVerifyEmail, "a@example.com").Token
	flipped := []byte(good)
	flipped[len(flipped)-1] ^= 1
	for name, token := range map[string]string{
		"empty": "", "short": good[:20], "long": good + "A", "not base64": good[:58] + "*",
		"wrong secret": string(flipped), "unknown user": "AAAAAAAAAAAAAAAA" + good[16:],
	} {
		if _, err := e.svc.VerifyEmail(ctx, token, ""); !errors.Is(err, credential.ErrBadLink) {
			t.Errorf("%s: err = %v, want ErrBadLink", name, err)
		}
	}
	if _, err := e.svc.VerifyEmail(ctx, good, ""); err != nil {
		t.Fatalf("the good token after bad guesses: %v", err)
	}
}

func TestParallelUsesOfOneTokenLetExactlyOneThrough(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{}
	e.register(t, "a@example.com")
	if err := e.svc.ForgotPassword(ctx, "a@example.com", "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	e.deliver(t, box)
	token := box.last(t, user.NoticeResetPassword, "a@example.com").Token
	const n = 16
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			next := "NewSecurePass!" + string(rune('a'+i))
			err := e.svc.ResetPassword(ctx, credential.PasswordReset{Token: token, New: next, Confirm: next})
			switch {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, credential.ErrBadLink):
				t.Errorf("reset %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d of %d parallel resets with one token succeeded, want exactly 1", ok.Load(), n)
	}
}

func TestForgotPasswordDoesTheSameWorkForUnknownAddresses(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{}
	e.register(t, "a@example.com")
	e.deliver(t, box)
	sent := box.count()
	for _, email := range []string{"a@example.com", "nobody@example.com"} {
		before := len(e.users.Mail.Messages())
		if err := e.svc.ForgotPassword(ctx, email, "192.0.2.9"); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		if got := len(e.users.Mail.Messages()) - before; got != 1 {
			t.Fatalf("%s: queued %d messages, want 1 either way", email, got)
		}
	}
	if n := e.deliver(t, box); n != 2 {
		t.Fatalf("handled %d messages, want 2", n)
	}
	if box.count() != sent+1 {
		t.Fatalf("sent %d letters, want only the one to the existing account", box.count()-sent)
	}
	box.last(t, user.NoticeResetPassword, "a@example.com")
	if err := e.svc.ForgotPassword(ctx, "not an email", ""); !invalid(err) {
		t.Fatalf("malformed email: err = %v, want a validation error", err)
	}
}

func TestResetPasswordEndsEverySessionForgivesTheLockoutAndTellsTheOwner(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{}
	u := e.register(t, "a@example.com")
	pair, _ := e.login(t, "a@example.com")
	for range throttleConfig.LoginMaxFailures {
		_, _, _ = e.svc.Login(ctx, "a@example.com", "WrongPass123!", credential.Client{ThrottleKey: ""})
	}
	if _, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: ""}); !errors.Is(err, throttle.ErrThrottled) {
		t.Fatalf("login after failures: err = %v, want throttled", err)
	}
	if err := e.svc.ForgotPassword(ctx, "a@example.com", "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	e.deliver(t, box)
	token := box.last(t, user.NoticeResetPassword, "a@example.com").Token

	const next = "BrandNewPass456!"
	if err := e.svc.ResetPassword(ctx, credential.PasswordReset{Token: token, New: next, Confirm: "other"}); fields(err) == nil {
		t.Fatalf("mismatch: err = %v", err)
	}
	if err := e.svc.ResetPassword(ctx, credential.PasswordReset{Token: token, New: next, Confirm: next}); err != nil {
		t.Fatalf("ResetPassword: %v", err)
	}
	if _, err := e.svc.Authenticate(ctx, pair.AccessToken); err == nil {
		t.Fatal("a session from before the reset still authenticates")
	}
	if _, _, err := e.svc.Login(ctx, "a@example.com", next, credential.Client{ThrottleKey: ""}); err != nil {
		t.Fatalf("login with the new password right after the reset: %v", err)
	}
	stored, _ := e.users.ByID(ctx, u.ID)
	if !stored.IsVerified || len(stored.Tokens) != 0 {
		t.Fatalf("after reset: verified %v, tokens %+v", stored.IsVerified, stored.Tokens)
	}
	e.deliver(t, box)
	box.last(t, user.NoticePasswordReset, "a@example.com")
	if err := e.svc.ResetPassword(ctx, credential.PasswordReset{Token: token, New: next + "x", Confirm: next + "x"}); !errors.Is(err, credential.ErrBadLink) {
		t.Fatalf("reuse: err = %v, want ErrBadLink", err)
	}
}

func TestResetTokensDieWithExpiryANewerTokenOrAPasswordChange(t *testing.T) {
	t.Parallel()
	const next = "BrandNewPass456!"
	reset := func(e *env, token string) error {
		return e.svc.ResetPassword(ctx, credential.PasswordReset{Token: token, New: next, Confirm: next})
	}
	mint := func(t *testing.T, e *env, box *postbox) string {
		t.Helper()
		if err := e.svc.ForgotPassword(ctx, "a@example.com", ""); err != nil {
			t.Fatal(err)
		}
		e.deliver(t, box)
		return box.last(t, user.NoticeResetPassword, "a@example.com").Token
	}
	t.Run("expired", func(t *testing.T) {
		e, box := newEnv(t), &postbox{}
		e.register(t, "a@example.com")
		token := mint(t, e, box)
		e.clock.Advance(30 * time.Minute)
		if err := reset(e, token); !errors.Is(err, credential.ErrBadLink) {
			t.Fatalf("err = %v, want ErrBadLink", err)
		}
	})
	t.Run("superseded", func(t *testing.T) {
		e, box := newEnv(t), &postbox{}
		e.register(t, "a@example.com")
		older := mint(t, e, box)
		newer := mint(t, e, box)
		if err := reset(e, older); !errors.Is(err, credential.ErrBadLink) {
			t.Fatalf("older token: err = %v, want ErrBadLink", err)
		}
		if err := reset(e, newer); err != nil {
			t.Fatalf("newer token: %v", err)
		}
	})
	t.Run("password changed", func(t *testing.T) {
		e, box := newEnv(t), &postbox{}
		e.register(t, "a@example.com")
		token := mint(t, e, box)
		_, p := e.login(t, "a@example.com")
		if err := e.svc.ChangePassword(ctx, p, credential.PasswordChange{Current: pw, New: "Changed789!x", Confirm: "Changed789!x"}); err != nil {
			t.Fatal(err)
		}
		if err := reset(e, token); !errors.Is(err, credential.ErrBadLink) {
			t.Fatalf("err = %v, want ErrBadLink", err)
		}
	})
}

func TestWrongTokensAreThrottledPerAddressAndANewTokenForgivesNone(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{}
	e.register(t, "a@example.com")
	const addr = "198.51.100.7"
	for i := range throttleConfig.TokenMaxFailures {
		if _, err := e.svc.VerifyEmail(ctx, "guess", addr); !errors.Is(err, credential.ErrBadLink) {
			t.Fatalf("guess %d: err = %v", i, err)
		}
	}
	e.deliver(t, box)
	token := box.last(t, user.NoticeVerifyEmail, "a@example.com").Token
	if _, err := e.svc.VerifyEmail(ctx, token, addr); !errors.Is(err, throttle.ErrThrottled) {
		t.Fatalf("after %d wrong tokens, even a good one: err = %v, want throttled", throttleConfig.TokenMaxFailures, err)
	}
	if _, err := e.svc.VerifyEmail(ctx, token, "198.51.100.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

func TestMailRequestsAreThrottledPerAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range throttleConfig.MailMaxPerAccount {
		if err := e.svc.ForgotPassword(ctx, "x@example.com", "192.0.2.1"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	before := len(e.users.Mail.Messages())
	if err := e.svc.ForgotPassword(ctx, "x@example.com", "192.0.2.2"); !errors.Is(err, throttle.ErrThrottled) {
		t.Fatalf("err = %v, want throttled", err)
	}
	if len(e.users.Mail.Messages()) != before {
		t.Fatal("a throttled request queued mail")
	}
}

func TestEmailChangeMovesTheLoginOnlyOnConfirmation(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{}
	e.register(t, "old@example.com")
	e.deliver(t, box)
	_, p := e.login(t, "old@example.com")
	change := func(email, password string) error {
		return e.svc.RequestEmailChange(ctx, p, credential.EmailChange{NewEmail: email, CurrentPassword: password})
	}
	if err := change("new@example.com", "WrongPass123!"); !errors.Is(err, credential.ErrWrongPassword) {
		t.Fatalf("wrong password: err = %v", err)
	}
	if err := change("OLD@example.com", pw); !invalid(err) {
		t.Fatalf("same address: err = %v, want a validation error", err)
	}
	e.register(t, "taken@example.com")
	if err := change("taken@example.com", pw); !errors.Is(err, user.ErrEmailTaken) {
		t.Fatalf("taken address: err = %v", err)
	}
	if err := change("new@example.com", pw); err != nil {
		t.Fatalf("RequestEmailChange: %v", err)
	}
	e.deliver(t, box)
	box.last(t, user.NoticeEmailChange, "old@example.com")
	l := box.last(t, user.NoticeConfirmEmail, "new@example.com")
	if l.NewEmail != "new@example.com" || l.Token == "" {
		t.Fatalf("confirmation = %+v", l)
	}
	if _, _, err := e.svc.Login(ctx, "old@example.com", pw, credential.Client{ThrottleKey: ""}); err != nil {
		t.Fatalf("the old address stops being the login before confirmation: %v", err)
	}
	moved, err := e.svc.ConfirmEmailChange(ctx, l.Token, "")
	if err != nil || moved.Email != "new@example.com" || !moved.IsVerified {
		t.Fatalf("ConfirmEmailChange = %+v, %v", moved, err)
	}
	if _, err := e.users.ByEmail(ctx, "old@example.com"); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("old address still finds the account: %v", err)
	}
	if _, _, err := e.svc.Login(ctx, "new@example.com", pw, credential.Client{ThrottleKey: ""}); err != nil {
		t.Fatalf("login at the new address: %v", err)
	}
	e.deliver(t, box)
	changed := box.last(t, user.NoticeEmailChanged, "old@example.com")
	if changed.NewEmail != "new@example.com" {
		t.Fatalf("notice to the old address = %+v", changed)
	}
	if _, err := e.svc.ConfirmEmailChange(ctx, l.Token, ""); !errors.Is(err, credential.ErrBadLink) {
		t.Fatalf("reuse: err = %v", err)
	}
}

func TestConfirmingAnAddressTakenMeanwhileIsAConflictAndChangesNothing(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{}
	u := e.register(t, "old@example.com")
	_, p := e.login(t, "old@example.com")
	if err := e.svc.RequestEmailChange(ctx, p, credential.EmailChange{NewEmail: "new@example.com", CurrentPassword: pw}); err != nil {
		t.Fatal(err)
	}
	e.deliver(t, box)
	token := box.last(t, user.NoticeConfirmEmail, "new@example.com").Token
	e.register(t, "new@example.com")
	if _, err := e.svc.ConfirmEmailChange(ctx, token, ""); !errors.Is(err, user.ErrEmailTaken) {
		t.Fatalf("err = %v, want ErrEmailTaken", err)
	}
	stored, _ := e.users.ByID(ctx, u.ID)
	if stored.Email != "old@example.com" {
		t.Fatalf("email = %s after a refused move", stored.Email)
	}
}

func TestMailWaitsOutAnOutageAndIsNotLost(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{down: true}
	e.register(t, "a@example.com")
	c := mail.NewCourier(mail.CourierDeps{Outbox: e.users.Mail, Composer: e.svc, Sender: box, Clock: e.clock,
		Config: mail.Config{FirstRetry: time.Second, MaxRetry: 4 * time.Second}})
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		if n, err := c.DeliverDue(ctx); n != 1 || err != nil {
			t.Fatalf("attempt %d: handled %d, %v", i+1, n, err)
		}
		msgs := e.users.Mail.Messages()
		if len(msgs) != 1 || msgs[0].Attempts != i+1 || !msgs[0].DueAt.Equal(e.clock.Now().Add(wait)) {
			t.Fatalf("after attempt %d: %+v, want due in %s", i+1, msgs, wait)
		}
		if n, _ := c.DeliverDue(ctx); n != 0 {
			t.Fatalf("a message was retried before it was due")
		}
		e.clock.Advance(wait)
	}
	box.down = false
	if n, err := c.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("after the outage: handled %d, %v", n, err)
	}
	box.last(t, user.NoticeVerifyEmail, "a@example.com")
	if b, _ := e.users.Mail.Backlog(ctx); b.Count != 0 {
		t.Fatalf("backlog = %+v after delivery", b)
	}
}

func invalid(err error) bool {
	var one *user.ValidationError
	return errors.As(err, &one)
}

func TestTheBellWakesAnIdleCourier(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{}
	bell := mail.NewBell()
	d := e.deps()
	d.Queued = bell.Ring
	e.svc = credential.NewService(d)
	c := mail.NewCourier(mail.CourierDeps{Outbox: e.users.Mail, Composer: e.svc, Sender: box, Clock: e.clock, Bell: bell,
		Config: mail.Config{Poll: time.Hour}})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	}()
	e.register(t, "a@example.com")
	deadline := time.Now().Add(5 * time.Second)
	for box.count() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the courier slept through the bell: no mail within 5s with a poll of an hour")
		}
		time.Sleep(5 * time.Millisecond)
	}
	box.last(t, user.NoticeVerifyEmail, "a@example.com")
}

func TestLinksOfASwitchedOffAccountDoNothing(t *testing.T) {
	t.Parallel()
	e, box := newEnv(t), &postbox{}
	u := e.register(t, "a@example.com")
	e.deliver(t, box)
	token := box.last(t, user.NoticeVerifyEmail, "a@example.com").Token
	if _, err := e.users.Update(ctx, u.ID, func(u *user.User) error { u.IsActive = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.VerifyEmail(ctx, token, ""); !errors.Is(err, credential.ErrInactive) {
		t.Fatalf("err = %v, want ErrInactive", err)
	}
	if stored, _ := e.users.ByID(ctx, u.ID); stored.IsVerified {
		t.Fatal("a switched-off account was verified")
	}
}

func TestOneMailboxCanNotBeFloodedWithEmailChangesFromManyAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range throttleConfig.MailMaxPerAccount + 1 {
		email := string(rune('a'+i)) + "@example.com"
		e.register(t, email)
		_, p := e.login(t, email)
		err := e.svc.RequestEmailChange(ctx, p, credential.EmailChange{NewEmail: "victim@example.com", CurrentPassword: pw})
		if i < throttleConfig.MailMaxPerAccount && err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if i == throttleConfig.MailMaxPerAccount && !errors.Is(err, throttle.ErrThrottled) {
			t.Fatalf("request %d to one address from a fresh account: err = %v, want throttled", i, err)
		}
	}
}

func TestAnEmailChangeChecksThePasswordAgainstAHashThatMovedMeanwhile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "a@example.com")
	_, p := e.login(t, "a@example.com")
	// A login upgraded the hash after the principal was read: the same password, a new hash.
	if _, err := e.users.Update(ctx, u.ID, func(u *user.User) error { u.PasswordHash += "-upgraded"; return nil }); err != nil {
		t.Fatal(err)
	}
	d := e.deps()
	d.Hasher = upgradedHasher{e.hasher}
	svc := credential.NewService(d)
	if err := svc.RequestEmailChange(ctx, p, credential.EmailChange{NewEmail: "new@example.com", CurrentPassword: pw}); err != nil {
		t.Fatalf("the right password after a hash upgrade: %v", err)
	}
	if err := svc.RequestEmailChange(ctx, p, credential.EmailChange{NewEmail: "new@example.com", CurrentPassword: "WrongPass123!"}); !errors.Is(err, credential.ErrWrongPassword) {
		t.Fatalf("a wrong password: err = %v", err)
	}
}

// upgradedHasher verifies a hash with "-upgraded" appended as the hash itself.
type upgradedHasher struct{ credential.Hasher }

func (h upgradedHasher) Verify(ctx context.Context, hash, password string) (bool, bool, error) {
	return h.Hasher.Verify(ctx, strings.TrimSuffix(hash, "-upgraded"), password)
}
