package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/authd/authd/core/user"
)

const (
	forgot      = "/api/v1/auth/forgot-password"
	reset       = "/api/v1/auth/reset-password"
	verify      = "/api/v1/auth/verify-email"
	resend      = "/api/v1/auth/verify-email/resend"
	changeEmail = "/api/v1/users/me/email"
	confirm     = "/api/v1/users/me/email/confirm"
	badLink     = "The link is invalid or has expired"
)

// An address with an account and one without get the same answer: whether one exists is decided
// when the mail is composed, out of the request's sight.
func TestForgotPassword(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.register(t, "alice@example.com")
	known := w.send(t, http.MethodPost, forgot, "", `{"email":"alice@example.com"}`)
	unknown := w.send(t, http.MethodPost, forgot, "", `{"email":"nobody@example.com"}`)
	want := `{"detail":"` + forgotAccepted + `"}`
	if known.Code != http.StatusAccepted || unknown.Code != known.Code || strings.TrimSpace(known.Body.String()) != want || unknown.Body.String() != known.Body.String() {
		t.Errorf("known address: %d %s; unknown: %d %s; want both 202 %s", known.Code, known.Body, unknown.Code, unknown.Body, want)
	}
	for _, m := range w.users.Mail.Messages() {
		if m.Kind != user.NoticeResetPassword {
			continue
		}
		l, err := w.creds.Compose(context.Background(), m.Notice)
		if sent := l != nil && l.Token != ""; err != nil || sent != (m.To == "alice@example.com") {
			t.Errorf("the reset notice to %s composed %+v, %v; want a link for the account's address only", m.To, l, err)
		}
	}
	if w.queued(user.NoticeResetPassword, "alice@example.com") != 1 || w.queued(user.NoticeResetPassword, "nobody@example.com") != 1 {
		t.Errorf("want one reset notice queued for each address: %+v", w.users.Mail.Messages())
	}

	wantValidation(t, w.send(t, http.MethodPost, forgot, "", `{"email":"not-an-email"}`), "email", typeValue)
	wantValidation(t, w.send(t, http.MethodPost, forgot, "", `{}`), "email", typeMissing)
	wantValidation(t, w.send(t, http.MethodPost, forgot, "", `{"email":"alice@example.com","x":1}`), "x", typeExtraForbidden)

	for range mailPerAccount - 1 {
		if rec := w.send(t, http.MethodPost, forgot, "", `{"email":"alice@example.com"}`); rec.Code != http.StatusAccepted {
			t.Fatalf("within the limit: %d %s", rec.Code, rec.Body)
		}
	}
	wantThrottled(t, w.send(t, http.MethodPost, forgot, "", `{"email":"ALICE@example.com"}`))
}

// Opening the reset page with a token changes nothing; the token is spent only by the POST, once.
func TestResetPassword(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	session := w.register(t, "alice@example.com")
	w.send(t, http.MethodPost, forgot, "", `{"email":"alice@example.com"}`)
	token := w.link(t, user.NoticeResetPassword, "alice@example.com")
	before := len(w.users.Mail.Messages())

	if page := w.send(t, http.MethodGet, "/reset-password?token="+token, "", ""); page.Code != http.StatusOK {
		t.Fatalf("the page: %d %s", page.Code, page.Body)
	}
	w.login(t, "alice@example.com", "SecurePass123!") // the GET set no password
	if after := len(w.users.Mail.Messages()); after != before {
		t.Errorf("the GET queued %d notices", after-before)
	}

	body := func(token, pw, confirm string) string {
		return `{"token":"` + token + `","new_password":"` + pw + `","confirm_password":"` + confirm + `"}`
	}
	wantValidation(t, w.send(t, http.MethodPost, reset, "", body(token, "NewSecurePass123!", "Different123!")), "confirm_password", typeValue)
	wantValidation(t, w.send(t, http.MethodPost, reset, "", body(token, "short", "short")), "new_password", typeStringTooShort)
	wantValidation(t, w.send(t, http.MethodPost, reset, "", body(token, "weakweakweak1", "weakweakweak1")), "new_password", typePasswordTooWeak)

	rec := w.send(t, http.MethodPost, reset, "", body(token, "NewSecurePass123!", "NewSecurePass123!"))
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("reset with the token the GET left alone: %d %s, want 204", rec.Code, rec.Body)
	}
	w.login(t, "alice@example.com", "NewSecurePass123!")
	if old := w.send(t, http.MethodPost, "/api/v1/auth/login", "", `{"email":"alice@example.com","password":"SecurePass123!"}`); old.Code != http.StatusUnauthorized {
		t.Errorf("the old password: %d, want 401", old.Code)
	}
	wantProblem(t, w.send(t, http.MethodGet, "/api/v1/users/me", session, ""), http.StatusUnauthorized, "session_revoked", "The session has ended; log in again")
	if w.queued(user.NoticePasswordReset, "alice@example.com") != 1 {
		t.Errorf("no notice of the reset was queued")
	}
	wantProblem(t, w.send(t, http.MethodPost, reset, "", body(token, "OtherSecurePass1!", "OtherSecurePass1!")), http.StatusBadRequest, "invalid_link", badLink)
}

// The token's only rules at the edge are the document's: a string of 1 to 256 characters. Anything
// else about it, even a spelling NFC would change, is the core's to refuse, with one answer.
func TestLinkTokensAreOpaque(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	pw := `,"new_password":"NewSecurePass123!","confirm_password":"NewSecurePass123!"}`
	wantValidation(t, w.send(t, http.MethodPost, reset, "", `{"token":""`+pw), "token", typeStringTooShort)
	wantValidation(t, w.send(t, http.MethodPost, reset, "", `{"token":"`+strings.Repeat("a", maxLinkTokenLen+1)+`"`+pw), "token", typeStringTooLong)
	wantValidation(t, w.send(t, http.MethodPost, verify, "", `{"token":59}`), "token", typeStringType)
	wantValidation(t, w.send(t, http.MethodPost, confirm, "", `{}`), "token", typeMissing)
	for i, token := range []string{"x", strings.Repeat("A", 59), "e\u0301" + strings.Repeat("A", 57), "\u212a" + strings.Repeat("A", 58), strings.Repeat("é", maxLinkTokenLen)} {
		for j, path := range []string{verify, confirm} {
			w.ip = fmt.Sprintf("198.51.100.%d", 2*i+j) // each from its own address, so none is throttled
			wantProblem(t, w.send(t, http.MethodPost, path, "", tokenBody(token)), http.StatusBadRequest, "invalid_link", badLink)
		}
	}
}

// Wrong tokens lock their client address out, whichever operation they were sent to.
func TestWrongLinksAreThrottled(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.ip = "198.51.100.9"
	paths := []string{verify, confirm, reset}
	for i := range tokenFailures {
		body := tokenBody("wrong")
		if paths[i%3] == reset {
			body = `{"token":"wrong","new_password":"NewSecurePass123!","confirm_password":"NewSecurePass123!"}`
		}
		wantProblem(t, w.send(t, http.MethodPost, paths[i%3], "", body), http.StatusBadRequest, "invalid_link", badLink)
	}
	wantThrottled(t, w.send(t, http.MethodPost, verify, "", tokenBody("wrong")))
	w.ip = "198.51.100.10"
	wantProblem(t, w.send(t, http.MethodPost, verify, "", tokenBody("wrong")), http.StatusBadRequest, "invalid_link", badLink)
}

func TestVerifyEmail(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	session := w.register(t, "alice@example.com")
	token := w.link(t, user.NoticeVerifyEmail, "alice@example.com")
	w.send(t, http.MethodGet, "/verify-email?token="+token, "", "")
	if me := w.send(t, http.MethodGet, "/api/v1/users/me", session, ""); !strings.Contains(me.Body.String(), `"is_verified":false`) {
		t.Fatalf("opening the page verified the address: %s", me.Body)
	}

	rec := w.send(t, http.MethodPost, verify, "", tokenBody(token))
	me := w.send(t, http.MethodGet, "/api/v1/users/me", session, "")
	if rec.Code != http.StatusOK || rec.Body.String() != me.Body.String() || !strings.Contains(rec.Body.String(), `"is_verified":true`) {
		t.Errorf("verify: %d %s\nwant 200 with the body of GET /users/me, verified: %s", rec.Code, rec.Body, me.Body)
	}
	wantProblem(t, w.send(t, http.MethodPost, verify, "", tokenBody(token)), http.StatusBadRequest, "invalid_link", badLink)
}

func TestResendVerification(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	wantProblem(t, w.send(t, http.MethodPost, resend, "", ""), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
	session := w.register(t, "alice@example.com")
	wantValidation(t, w.send(t, http.MethodPost, resend, session, `{"email":"alice@example.com"}`), "email", typeExtraForbidden)
	want := `{"detail":"` + resendAccepted + `"}`
	for i, body := range []string{"", "{}", ""} {
		if rec := w.send(t, http.MethodPost, resend, session, body); rec.Code != http.StatusAccepted || strings.TrimSpace(rec.Body.String()) != want {
			t.Fatalf("resend %d: %d %s, want 202 %s", i+1, rec.Code, rec.Body, want)
		}
	}
	if n := w.queued(user.NoticeVerifyEmail, "alice@example.com"); n != 1+mailPerAccount {
		t.Errorf("%d verification notices queued, want the registration's and %d more", n, mailPerAccount)
	}
	wantThrottled(t, w.send(t, http.MethodPost, resend, session, ""))

	bob := w.register(t, "bob@example.com")
	w.send(t, http.MethodPost, verify, "", tokenBody(w.link(t, user.NoticeVerifyEmail, "bob@example.com")))
	wantProblem(t, w.send(t, http.MethodPost, resend, bob, ""), http.StatusConflict, "already_verified", "The email address is already verified")
}

func TestRequestEmailChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	body := func(email, pw string) string { return `{"new_email":"` + email + `","current_password":"` + pw + `"}` }
	wantProblem(t, w.send(t, http.MethodPost, changeEmail, "", body("new@example.com", "SecurePass123!")), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
	session := w.register(t, "alice@example.com")
	w.register(t, "bob@example.com")

	wantValidation(t, w.send(t, http.MethodPost, changeEmail, session, body("not-an-email", "SecurePass123!")), "new_email", typeValue)
	same := w.send(t, http.MethodPost, changeEmail, session, body(" Alice@Example.com", "SecurePass123!"))
	wantValidation(t, same, "new_email", typeValue)
	if !strings.Contains(same.Body.String(), "new email must differ from the current email") {
		t.Errorf("the same address: %s", same.Body)
	}
	wantValidation(t, w.send(t, http.MethodPost, changeEmail, session, `{"new_email":"new@example.com"}`), "current_password", typeMissing)
	wantProblem(t, w.send(t, http.MethodPost, changeEmail, session, body("new@example.com", "WrongPass123!")), http.StatusBadRequest, "wrong_password", "Current password is incorrect")
	wantProblem(t, w.send(t, http.MethodPost, changeEmail, session, body("bob@example.com", "SecurePass123!")), http.StatusConflict, "email_taken", "A user with this email already exists")

	rec := w.send(t, http.MethodPost, changeEmail, session, body("new@example.com", "SecurePass123!"))
	if want := `{"detail":"` + changeAccepted + `"}`; rec.Code != http.StatusAccepted || strings.TrimSpace(rec.Body.String()) != want {
		t.Errorf("change: %d %s, want 202 %s", rec.Code, rec.Body, want)
	}
	if w.queued(user.NoticeConfirmEmail, "new@example.com") != 1 || w.queued(user.NoticeEmailChange, "alice@example.com") != 1 {
		t.Errorf("want a link to the new address and a notice to the old: %+v", w.users.Mail.Messages())
	}
	if me := w.send(t, http.MethodGet, "/api/v1/users/me", session, ""); !strings.Contains(me.Body.String(), `"email":"alice@example.com"`) {
		t.Errorf("the address changed before the link was used: %s", me.Body)
	}
	// The wrong password, the taken address and the change each counted as a mail request.
	wantThrottled(t, w.send(t, http.MethodPost, changeEmail, session, body("other@example.com", "SecurePass123!")))
}

// The confirmation needs no session: the link may be opened on another device.
func TestConfirmEmailChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	session := w.register(t, "alice@example.com")
	change := `{"new_email":"new@example.com","current_password":"SecurePass123!"}`
	if rec := w.send(t, http.MethodPost, changeEmail, session, change); rec.Code != http.StatusAccepted {
		t.Fatalf("change: %d %s", rec.Code, rec.Body)
	}
	token := w.link(t, user.NoticeConfirmEmail, "new@example.com")
	w.send(t, http.MethodGet, "/confirm-email?token="+token, "", "")
	if me := w.send(t, http.MethodGet, "/api/v1/users/me", session, ""); !strings.Contains(me.Body.String(), `"email":"alice@example.com"`) {
		t.Fatalf("opening the page moved the account: %s", me.Body)
	}

	rec := w.send(t, http.MethodPost, confirm, "", tokenBody(token))
	me := w.send(t, http.MethodGet, "/api/v1/users/me", session, "")
	if rec.Code != http.StatusOK || rec.Body.String() != me.Body.String() || !strings.Contains(rec.Body.String(), `"email":"new@example.com","is_active":true,"is_verified":true`) {
		t.Errorf("confirm: %d %s\nwant 200 with the body of GET /users/me, at the new address: %s", rec.Code, rec.Body, me.Body)
	}
	if w.queued(user.NoticeEmailChanged, "alice@example.com") != 1 {
		t.Errorf("the old address was not told of the move")
	}
	wantProblem(t, w.send(t, http.MethodPost, confirm, "", tokenBody(token)), http.StatusBadRequest, "invalid_link", badLink)

	carol := w.register(t, "carol@example.com")
	w.send(t, http.MethodPost, changeEmail, carol, `{"new_email":"dup@example.com","current_password":"SecurePass123!"}`)
	taken := w.link(t, user.NoticeConfirmEmail, "dup@example.com")
	w.register(t, "dup@example.com")
	wantProblem(t, w.send(t, http.MethodPost, confirm, "", tokenBody(taken)), http.StatusConflict, "email_taken", "A user with this email already exists")
}
