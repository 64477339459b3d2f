package clientgen

import (
	"context"
	"net/http"
	"testing"

	"github.com/authd/authd/test/clientgen/gen/ogenclient"
	"github.com/authd/authd/test/harness"
)

// bearer is ogen's security source: the access token of the flow's current session.
type bearer struct{ token string }

func (b *bearer) BearerAuth(context.Context, ogenclient.OperationName) (ogenclient.BearerAuth, error) {
	return ogenclient.BearerAuth{Token: b.token}, nil
}

// as fails the test unless res is of type T, the answer it expects.
func as[T any](t *testing.T, what string, res any, err error) T {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	v, ok := res.(T)
	if !ok {
		var want T
		t.Fatalf("%s: %T %+v, want %T", what, res, res, want)
	}
	return v
}

// ogenFlow is the typed flow through ogen's client, with the operations that follow mailed links
// and those on sessions and the security timeline.
func ogenFlow(t *testing.T, srv *harness.Service, tr http.RoundTripper) {
	ctx := context.Background()
	auth := &bearer{}
	c := must(ogenclient.NewClient(srv.URL, auth, ogenclient.WithClient(&http.Client{Transport: tr})))(t)
	const email, newEmail = "ogen@example.com", "ogen.moved@example.com"

	var (
		res any
		err error
	)
	res, err = c.Register(ctx, &ogenclient.RegisterRequest{
		Email: email, Password: password, ConfirmPassword: password, FirstName: "Grace", LastName: "Hopper",
	})
	reg := as[*ogenclient.UserHeaders](t, "register", res, err)
	if reg.Response.Email != email || reg.Response.IsVerified || reg.XRequestID == "" {
		t.Fatalf("register: %+v", reg)
	}
	token := linkToken(t, srv.Mail, email, "/verify-email")
	res, err = c.VerifyEmail(ctx, &ogenclient.LinkRequest{Token: ogenclient.LinkToken(token)})
	if v := as[*ogenclient.UserHeaders](t, "verify-email", res, err); !v.Response.IsVerified {
		t.Errorf("verify-email: %+v", v)
	}
	res, err = c.VerifyEmail(ctx, &ogenclient.LinkRequest{Token: ogenclient.LinkToken(token)})
	if v := as[*ogenclient.InvalidLinkHeaders](t, "verify-email again", res, err); v.Response.Code != "invalid_link" {
		t.Errorf("verify-email again: %+v", v)
	}

	login := func(password string) ogenclient.TokenPair {
		t.Helper()
		res, err := c.Login(ctx, &ogenclient.LoginRequest{Email: email, Password: ogenclient.CurrentPassword(password)})
		return as[*ogenclient.TokenPairHeaders](t, "login", res, err).Response
	}
	other := login(password)
	pair := login(password)
	auth.token = pair.AccessToken

	res, err = c.GetMe(ctx)
	me := as[*ogenclient.CurrentUserHeaders](t, "GET /users/me", res, err).Response
	if me.Email != email || me.LastLogin.Null {
		t.Fatalf("GET /users/me: %+v", me)
	}
	res, err = c.UpdateMe(ctx, &ogenclient.ProfileUpdate{Bio: ogenclient.NewOptNilBio("Rear admiral")})
	if p := as[*ogenclient.CurrentUserHeaders](t, "PUT /users/me bio", res, err).Response.Profile; p.Bio.Null || p.Bio.Value != "Rear admiral" {
		t.Fatalf("PUT /users/me bio: %+v", p)
	}
	clear := ogenclient.ProfileUpdate{}
	clear.Bio.SetToNull()
	res, err = c.UpdateMe(ctx, &clear)
	if p := as[*ogenclient.CurrentUserHeaders](t, "PUT /users/me bio null", res, err).Response.Profile; !p.Bio.Null || p.FirstName != "Grace" {
		t.Fatalf("PUT /users/me bio null: %+v", p)
	}
	// A name of spaces passes ogen's own checks (minLength 1) and is refused by the service.
	res, err = c.UpdateMe(ctx, &ogenclient.ProfileUpdate{FirstName: ogenclient.NewOptName("   ")})
	if v := as[*ogenclient.UnprocessableEntityHeaders](t, "PUT /users/me blank name", res, err); len(v.Response.Detail) != 1 || v.Response.Detail[0].Loc[1].String != "first_name" {
		t.Errorf("PUT /users/me blank name: %+v", v.Response)
	}

	res, err = c.ListSessions(ctx)
	sessions := as[*ogenclient.SessionListHeaders](t, "sessions", res, err).Response.Sessions
	if len(sessions) != 2 || !sessions[0].Current || sessions[1].Current {
		t.Fatalf("sessions: %+v, want this one and the other, newest first", sessions)
	}
	res, err = c.EndSession(ctx, ogenclient.EndSessionParams{SessionID: sessions[1].ID})
	as[*ogenclient.NoContent](t, "end the other session", res, err)
	res, err = c.EndSession(ctx, ogenclient.EndSessionParams{SessionID: sessions[1].ID})
	if v := as[*ogenclient.EndSessionNotFoundHeaders](t, "end it again", res, err); v.Response.Code != "session_not_found" {
		t.Errorf("end it again: %+v", v)
	}
	res, err = c.RefreshToken(ctx, &ogenclient.RefreshRequest{RefreshToken: other.RefreshToken})
	if v := as[*ogenclient.RefreshTokenUnauthorizedHeaders](t, "refresh an ended session", res, err); v.Response.Code != "session_revoked" {
		t.Errorf("refresh an ended session: %+v", v)
	}
	login(password)
	res, err = c.EndOtherSessions(ctx, &ogenclient.EndOtherSessionsRequest{})
	as[*ogenclient.NoContent](t, "end other sessions", res, err)

	res, err = c.ListSecurityEvents(ctx, ogenclient.ListSecurityEventsParams{Limit: ogenclient.NewOptInt(2)})
	page := as[*ogenclient.SecurityEventPageHeaders](t, "security events", res, err).Response
	if len(page.Events) != 2 || page.Next.Null {
		t.Fatalf("security events: %+v, want a full page and a next", page)
	}
	res, err = c.ListSecurityEvents(ctx, ogenclient.ListSecurityEventsParams{Before: ogenclient.NewOptCursor(page.Next.Value)})
	if rest := as[*ogenclient.SecurityEventPageHeaders](t, "security events, next page", res, err).Response; len(rest.Events) == 0 || rest.Events[0].Seq >= page.Events[1].Seq {
		t.Errorf("next page: %+v after %+v", rest, page)
	}
	res, err = c.VerifySecurityEvents(ctx)
	if r := as[*ogenclient.TimelineReportHeaders](t, "verify the timeline", res, err).Response; !r.Valid || r.Head.Value != string(page.Events[0].Hash) {
		t.Errorf("verify the timeline: %+v, want valid up to %s", r, page.Events[0].Hash)
	}

	res, err = c.RequestEmailChange(ctx, &ogenclient.EmailChangeRequest{NewEmail: newEmail, CurrentPassword: password})
	as[*ogenclient.AcceptedHeaders](t, "change email", res, err)
	res, err = c.ConfirmEmailChange(ctx, &ogenclient.LinkRequest{Token: ogenclient.LinkToken(linkToken(t, srv.Mail, newEmail, "/confirm-email"))})
	if u := as[*ogenclient.UserHeaders](t, "confirm the change", res, err).Response; u.Email != newEmail {
		t.Errorf("confirm the change: %+v", u)
	}

	res, err = c.RefreshToken(ctx, &ogenclient.RefreshRequest{RefreshToken: pair.RefreshToken})
	pair = as[*ogenclient.TokenPairHeaders](t, "refresh", res, err).Response
	auth.token = pair.AccessToken
	res, err = c.Logout(ctx, ogenclient.OptLogoutRequest{})
	as[*ogenclient.NoContent](t, "logout", res, err)
	res, err = c.GetMe(ctx)
	if v := as[*ogenclient.UnauthorizedHeaders](t, "GET /users/me after logout", res, err); v.Response.Code != "session_revoked" || v.WwwAuthenticate != `Bearer error="invalid_token"` {
		t.Errorf("GET /users/me after logout: %+v", v)
	}

	res, err = c.ForgotPassword(ctx, &ogenclient.ForgotPasswordRequest{Email: newEmail})
	as[*ogenclient.AcceptedHeaders](t, "forgot password", res, err)
	const newPassword = "Fresh-Start-2024!"
	res, err = c.ResetPassword(ctx, &ogenclient.ResetPasswordRequest{
		Token: ogenclient.LinkToken(linkToken(t, srv.Mail, newEmail, "/reset-password")), NewPassword: newPassword, ConfirmPassword: newPassword,
	})
	as[*ogenclient.NoContent](t, "reset password", res, err)
	res, err = c.Login(ctx, &ogenclient.LoginRequest{Email: newEmail, Password: newPassword})
	auth.token = as[*ogenclient.TokenPairHeaders](t, "login with the new password", res, err).Response.AccessToken

	res, err = c.ListUsers(ctx, ogenclient.ListUsersParams{})
	if v := as[*ogenclient.AdminRequiredHeaders](t, "find users as a non-admin", res, err); v.Response.Code != "admin_required" {
		t.Errorf("find users as a non-admin: %+v", v)
	}
	res, err = c.ExportMe(ctx)
	x := as[*ogenclient.AccountExportHeaders](t, "export", res, err)
	if x.ContentDisposition != `attachment; filename="authd-export-`+string(me.ID)+`.json"` || string(x.Response.User.Email) != newEmail ||
		len(x.Response.Sessions) != 1 || !x.Response.Sessions[0].Current || !x.Response.PendingEmailChange.Null {
		t.Errorf("export: %+v", x)
	}
	if events := x.Response.SecurityEvents; len(events) == 0 || events[0].Seq != 1 || events[len(events)-1].Type != "account_exported" {
		t.Errorf("the export's timeline: %+v, want it from seq 1 to the export", events)
	}
	res, err = c.DeleteMe(ctx, &ogenclient.DeleteAccountRequest{CurrentPassword: password})
	if v := as[*ogenclient.DeleteMeBadRequestHeaders](t, "delete with a wrong password", res, err); v.Response.Code != "wrong_password" {
		t.Errorf("delete with a wrong password: %+v", v)
	}
	res, err = c.DeleteMe(ctx, &ogenclient.DeleteAccountRequest{CurrentPassword: newPassword})
	as[*ogenclient.NoContent](t, "delete the account", res, err)
	res, err = c.Login(ctx, &ogenclient.LoginRequest{Email: newEmail, Password: newPassword})
	as[*ogenclient.LoginUnauthorizedHeaders](t, "login to the deleted account", res, err)
}
