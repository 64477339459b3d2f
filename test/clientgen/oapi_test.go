package clientgen

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/authd/authd/test/clientgen/gen/oapiclient"
	"github.com/authd/authd/test/harness"
)

// oapiFlow is the typed flow through oapi-codegen's client, and the operations the ogen flow leaves
// out: the documentation, the pages, operations, another user's profile and a wrong password.
func oapiFlow(t *testing.T, srv *harness.Service, tr http.RoundTripper) {
	ctx := context.Background()
	c := must(oapiclient.NewClientWithResponses(srv.URL, oapiclient.WithHTTPClient(&http.Client{Transport: tr})))(t)
	var token string
	bearer := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
	const email = "oapi@example.com"

	reg := must(c.RegisterWithResponse(ctx, oapiclient.RegisterRequest{
		Email: email, Password: password, ConfirmPassword: password, FirstName: "Ada", LastName: "Lovelace",
	}))(t)
	if reg.JSON201 == nil || reg.JSON201.Email != email || reg.JSON201.Profile.FirstName != "Ada" || reg.JSON201.IsVerified {
		t.Fatalf("register: %d %s", reg.StatusCode(), reg.Body)
	}
	if reg.Headers201 == nil || reg.Headers201.XRequestId == "" {
		t.Errorf("register: no X-Request-Id decoded: %+v", reg.Headers201)
	}
	id := reg.JSON201.Id
	again := must(c.RegisterWithResponse(ctx, oapiclient.RegisterRequest{
		Email: strings.ToUpper(email), Password: password, ConfirmPassword: password, FirstName: "Ada", LastName: "Lovelace",
	}))(t)
	if again.JSON409 == nil || again.JSON409.Code != "email_taken" {
		t.Errorf("register twice: %d %s, want 409 email_taken", again.StatusCode(), again.Body)
	}

	wrong := must(c.LoginWithResponse(ctx, oapiclient.LoginRequest{Email: email, Password: "not the password"}))(t)
	if wrong.JSON401 == nil || wrong.JSON401.Code != "invalid_credentials" || wrong.Headers401 == nil || wrong.Headers401.WwwAuthenticate != "Bearer" {
		t.Errorf("login with a wrong password: %d %s %+v", wrong.StatusCode(), wrong.Body, wrong.Headers401)
	}
	login := must(c.LoginWithResponse(ctx, oapiclient.LoginRequest{Email: email, Password: password}))(t)
	if login.JSON200 == nil || login.JSON200.AccessToken == "" || login.JSON200.TokenType != "bearer" {
		t.Fatalf("login: %d %s", login.StatusCode(), login.Body)
	}
	token = login.JSON200.AccessToken

	me := must(c.GetMeWithResponse(ctx, bearer))(t)
	if me.JSON200 == nil || me.JSON200.Id != id || me.JSON200.LastLogin == nil {
		t.Fatalf("GET /users/me: %d %s", me.StatusCode(), me.Body)
	}
	bio := "Analyst"
	put := must(c.UpdateMeWithResponse(ctx, oapiclient.ProfileUpdate{Bio: &bio}, bearer))(t)
	if put.JSON200 == nil || put.JSON200.Profile.Bio == nil || *put.JSON200.Profile.Bio != bio {
		t.Fatalf("PUT /users/me bio: %d %s", put.StatusCode(), put.Body)
	}
	// Without options oapi-codegen's ProfileUpdate can't say null (Bio is *string, omitempty): the
	// body goes as JSON, the answer is still decoded into its type.
	cleared := must(c.UpdateMeWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"bio": null}`), bearer))(t)
	if cleared.JSON200 == nil || cleared.JSON200.Profile.Bio != nil || cleared.JSON200.Profile.FirstName != "Ada" {
		t.Fatalf("PUT /users/me bio null: %d %s", cleared.StatusCode(), cleared.Body)
	}
	phone := "12345"
	bad := must(c.UpdateMeWithResponse(ctx, oapiclient.ProfileUpdate{PhoneNumber: &phone}, bearer))(t)
	if bad.JSON422 == nil || len(bad.JSON422.Detail) != 1 {
		t.Fatalf("PUT /users/me bad phone: %d %s, want 422", bad.StatusCode(), bad.Body)
	}
	if loc := bad.JSON422.Detail[0].Loc; len(loc) != 2 || must(loc[1].AsValidationErrorLoc0())(t) != "phone_number" {
		t.Errorf("422 loc %s, want [body, phone_number]", bad.Body)
	}

	user := must(c.GetUserWithResponse(ctx, id, bearer))(t)
	if user.JSON200 == nil || user.JSON200.Profile.FirstName != "Ada" {
		t.Errorf("GET /users/{id}: %d %s", user.StatusCode(), user.Body)
	}
	nobody := must(c.GetUserWithResponse(ctx, "000000000000000000000000", bearer))(t)
	if nobody.JSON404 == nil || nobody.JSON404.Code != "user_not_found" {
		t.Errorf("GET /users/{unknown}: %d %s", nobody.StatusCode(), nobody.Body)
	}
	cp := must(c.ChangePasswordWithResponse(ctx, oapiclient.ChangePasswordRequest{
		CurrentPassword: "not the password", NewPassword: "An0ther-Secure-Pass", ConfirmPassword: "An0ther-Secure-Pass",
	}, bearer))(t)
	if cp.JSON400 == nil || cp.JSON400.Code != "wrong_password" {
		t.Errorf("change-password with a wrong current password: %d %s", cp.StatusCode(), cp.Body)
	}
	cp = must(c.ChangePasswordWithResponse(ctx, oapiclient.ChangePasswordRequest{
		CurrentPassword: password, NewPassword: "An0ther-Secure-Pass", ConfirmPassword: "An0ther-Secure-Pass",
	}, bearer))(t)
	if cp.StatusCode() != http.StatusNoContent {
		t.Errorf("change-password: %d %s", cp.StatusCode(), cp.Body)
	}
	resend := must(c.ResendVerificationWithResponse(ctx, oapiclient.ResendVerificationRequest{}, bearer))(t)
	if resend.JSON202 == nil || resend.JSON202.Detail == "" {
		t.Errorf("verify-email/resend: %d %s", resend.StatusCode(), resend.Body)
	}

	refreshed := must(c.RefreshTokenWithResponse(ctx, oapiclient.RefreshRequest{RefreshToken: login.JSON200.RefreshToken}))(t)
	if refreshed.JSON200 == nil || refreshed.JSON200.RefreshToken == login.JSON200.RefreshToken {
		t.Fatalf("refresh: %d %s", refreshed.StatusCode(), refreshed.Body)
	}
	token = refreshed.JSON200.AccessToken
	out := must(c.LogoutWithResponse(ctx, oapiclient.LogoutRequest{}, bearer))(t)
	if out.StatusCode() != http.StatusNoContent {
		t.Fatalf("logout: %d %s", out.StatusCode(), out.Body)
	}
	gone := must(c.GetMeWithResponse(ctx, bearer))(t)
	if gone.JSON401 == nil || gone.JSON401.Code != "session_revoked" || gone.Headers401 == nil || gone.Headers401.WwwAuthenticate != `Bearer error="invalid_token"` {
		t.Errorf("GET /users/me after logout: %d %s %+v, want 401 session_revoked", gone.StatusCode(), gone.Body, gone.Headers401)
	}
	reused := must(c.RefreshTokenWithResponse(ctx, oapiclient.RefreshRequest{RefreshToken: refreshed.JSON200.RefreshToken}))(t)
	if reused.JSON401 == nil {
		t.Errorf("refresh after logout: %d %s, want 401", reused.StatusCode(), reused.Body)
	}

	// Operations, documentation and pages.
	if r := must(c.HealthzWithResponse(ctx))(t); r.JSON200 == nil || r.JSON200.Status != "ok" {
		t.Errorf("healthz: %d %s", r.StatusCode(), r.Body)
	}
	if r := must(c.HealthzHeadWithResponse(ctx))(t); r.StatusCode() != http.StatusOK || r.Headers200 == nil || r.Headers200.XRequestId == "" {
		t.Errorf("HEAD healthz: %d", r.StatusCode())
	}
	if r := must(c.ReadyzWithResponse(ctx))(t); r.JSON200 == nil || r.JSON200.Status != "ready" {
		t.Errorf("readyz: %d %s", r.StatusCode(), r.Body)
	}
	if r := must(c.ReadyzHeadWithResponse(ctx))(t); r.StatusCode() != http.StatusOK {
		t.Errorf("HEAD readyz: %d", r.StatusCode())
	}
	if r := must(c.GetJWKSWithResponse(ctx))(t); r.JSON200 == nil || r.JSON200.Keys == nil {
		t.Errorf("jwks: %d %s", r.StatusCode(), r.Body)
	}
	if r := must(c.GetMetricsWithResponse(ctx))(t); r.StatusCode() != http.StatusOK || !strings.Contains(string(r.Body), "# TYPE") {
		t.Errorf("metrics: %d", r.StatusCode())
	}
	if r := must(c.GetOpenAPIWithResponse(ctx))(t); r.JSON200 == nil || r.JSON200.Openapi != "3.1.0" {
		t.Errorf("openapi.json: %d", r.StatusCode())
	}
	if r := must(c.GetDocsWithResponse(ctx))(t); r.StatusCode() != http.StatusOK || r.Headers200 == nil || !strings.Contains(r.Headers200.ContentSecurityPolicy, "script-src 'self'") {
		t.Errorf("docs: %d %+v", r.StatusCode(), r.Headers200)
	}
	if r := must(c.GetDocsAssetWithResponse(ctx, "swagger-ui.css"))(t); r.StatusCode() != http.StatusOK {
		t.Errorf("docs asset: %d", r.StatusCode())
	}
	if r := must(c.GetPageAssetWithResponse(ctx, "recovery.js"))(t); r.StatusCode() != http.StatusOK {
		t.Errorf("page asset: %d", r.StatusCode())
	}
	if r := must(c.GetVerifyEmailPageWithResponse(ctx, &oapiclient.GetVerifyEmailPageParams{}))(t); r.StatusCode() != http.StatusOK {
		t.Errorf("verify-email page: %d", r.StatusCode())
	}
	if r := must(c.GetResetPasswordPageWithResponse(ctx, &oapiclient.GetResetPasswordPageParams{}))(t); r.StatusCode() != http.StatusOK {
		t.Errorf("reset-password page: %d", r.StatusCode())
	}
	if r := must(c.GetConfirmEmailPageWithResponse(ctx, &oapiclient.GetConfirmEmailPageParams{}))(t); r.StatusCode() != http.StatusOK {
		t.Errorf("confirm-email page: %d", r.StatusCode())
	}

	oapiAdminFlow(t, srv, c)
}

// oapiAdminFlow is an operator's work on another account through oapi-codegen's client.
func oapiAdminFlow(t *testing.T, srv *harness.Service, c *oapiclient.ClientWithResponses) {
	ctx := context.Background()
	const adminEmail, targetEmail = "oapi.admin@example.com", "oapi.target@example.com"
	for _, e := range []string{adminEmail, targetEmail} {
		if r := must(c.RegisterWithResponse(ctx, oapiclient.RegisterRequest{Email: e, Password: password, ConfirmPassword: password, FirstName: "Op", LastName: "Erator"}))(t); r.JSON201 == nil {
			t.Fatalf("register %s: %d %s", e, r.StatusCode(), r.Body)
		}
	}
	login := func(email string) *oapiclient.LoginResponse {
		return must(c.LoginWithResponse(ctx, oapiclient.LoginRequest{Email: email, Password: password}))(t)
	}
	var token string
	bearer := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
	token = login(targetEmail).JSON200.AccessToken
	if r := must(c.ListUsersWithResponse(ctx, &oapiclient.ListUsersParams{}, bearer))(t); r.JSON403 == nil || r.JSON403.Code != "admin_required" {
		t.Errorf("find users as a non-admin: %d %s, want 403 admin_required", r.StatusCode(), r.Body)
	}
	if err := srv.MakeAdmin(ctx, adminEmail); err != nil {
		t.Fatal(err)
	}
	token = login(adminEmail).JSON200.AccessToken

	prefix, one, active := "OAPI.", 1, true
	first := must(c.ListUsersWithResponse(ctx, &oapiclient.ListUsersParams{EmailPrefix: &prefix, Limit: &one, IsActive: &active}, bearer))(t)
	if first.JSON200 == nil || len(first.JSON200.Users) != 1 || first.JSON200.Next == nil || string(first.JSON200.Users[0].Email) != adminEmail {
		t.Fatalf("find users: %d %s, want the admin and a next", first.StatusCode(), first.Body)
	}
	self := first.JSON200.Users[0]
	if len(self.Roles) != 1 || self.Roles[0] != "admin" {
		t.Errorf("the admin's roles: %v", self.Roles)
	}
	second := must(c.ListUsersWithResponse(ctx, &oapiclient.ListUsersParams{EmailPrefix: &prefix, Limit: &one, Cursor: first.JSON200.Next}, bearer))(t)
	if second.JSON200 == nil || len(second.JSON200.Users) != 1 || second.JSON200.Next != nil || string(second.JSON200.Users[0].Email) != targetEmail {
		t.Fatalf("find users, next page: %d %s, want the target and no next", second.StatusCode(), second.Body)
	}
	id := second.JSON200.Users[0].Id

	if r := must(c.GetAdminUserWithResponse(ctx, id, bearer))(t); r.JSON200 == nil || string(r.JSON200.Email) != targetEmail || len(r.JSON200.Roles) != 0 || r.JSON200.LastLogin == nil {
		t.Errorf("get the target: %d %s", r.StatusCode(), r.Body)
	}
	if r := must(c.DeactivateUserWithResponse(ctx, id, bearer))(t); r.JSON200 == nil || r.JSON200.IsActive {
		t.Errorf("deactivate: %d %s", r.StatusCode(), r.Body)
	}
	if r := login(targetEmail); r.JSON403 == nil || r.JSON403.Code != "inactive_user" {
		t.Errorf("login while inactive: %d %s", r.StatusCode(), r.Body)
	}
	if r := must(c.ActivateUserWithResponse(ctx, id, bearer))(t); r.JSON200 == nil || !r.JSON200.IsActive {
		t.Errorf("activate: %d %s", r.StatusCode(), r.Body)
	}
	if r := must(c.RevokeUserSessionsWithResponse(ctx, id, bearer))(t); r.StatusCode() != http.StatusNoContent {
		t.Errorf("revoke sessions: %d %s", r.StatusCode(), r.Body)
	}
	if r := must(c.RequirePasswordResetWithResponse(ctx, id, bearer))(t); r.JSON200 == nil || !r.JSON200.PasswordResetRequired {
		t.Errorf("require a reset: %d %s", r.StatusCode(), r.Body)
	}
	if r := login(targetEmail); r.JSON403 == nil || r.JSON403.Code != "password_reset_required" {
		t.Errorf("login with a reset required: %d %s", r.StatusCode(), r.Body)
	}
	if r := must(c.DeactivateUserWithResponse(ctx, self.Id, bearer))(t); r.JSON409 == nil || r.JSON409.Code != "own_account" {
		t.Errorf("deactivate oneself: %d %s, want 409 own_account", r.StatusCode(), r.Body)
	}
	if r := must(c.DeleteUserWithResponse(ctx, id, bearer))(t); r.StatusCode() != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.StatusCode(), r.Body)
	}
	if r := must(c.GetAdminUserWithResponse(ctx, id, bearer))(t); r.JSON404 == nil || r.JSON404.Code != "user_not_found" {
		t.Errorf("get the deleted target: %d %s, want 404", r.StatusCode(), r.Body)
	}
}
