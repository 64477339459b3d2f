package clientgen

import (
	"context"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/authd/authd/adapters/httpapi/client"
)

// TestCheckedInClient drives the package others import, adapters/httpapi/client: its ProfileUpdate
// can say null, which oapi-codegen's output without options can't.
func TestCheckedInClient(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	c := must(client.NewClientWithResponses(srv.URL, client.WithHTTPClient(&http.Client{Transport: newChecking(t)})))(t)
	const email = "client@example.com"
	reg := must(c.RegisterWithResponse(ctx, client.RegisterRequest{Email: email, Password: password, ConfirmPassword: password, FirstName: "Alan", LastName: "Turing"}))(t)
	if reg.JSON201 == nil {
		t.Fatalf("register: %d %s", reg.StatusCode(), reg.Body)
	}
	login := must(c.LoginWithResponse(ctx, client.LoginRequest{Email: email, Password: password}))(t)
	if login.JSON200 == nil {
		t.Fatalf("login: %d %s", login.StatusCode(), login.Body)
	}
	bearer := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+login.JSON200.AccessToken)
		return nil
	}
	set := must(c.UpdateMeWithResponse(ctx, client.ProfileUpdate{Bio: nullable.NewNullableWithValue("Codebreaker")}, bearer))(t)
	if set.JSON200 == nil || must(set.JSON200.Profile.Bio.Get())(t) != "Codebreaker" {
		t.Fatalf("PUT /users/me bio: %d %s", set.StatusCode(), set.Body)
	}
	cleared := must(c.UpdateMeWithResponse(ctx, client.ProfileUpdate{Bio: nullable.NewNullNullable[string]()}, bearer))(t)
	if cleared.JSON200 == nil || !cleared.JSON200.Profile.Bio.IsNull() || cleared.JSON200.LastLogin.IsNull() {
		t.Fatalf("PUT /users/me bio null: %d %s", cleared.StatusCode(), cleared.Body)
	}
	if out := must(c.LogoutWithResponse(ctx, client.LogoutRequest{}, bearer))(t); out.StatusCode() != http.StatusNoContent {
		t.Fatalf("logout: %d %s", out.StatusCode(), out.Body)
	}
	gone := must(c.GetMeWithResponse(ctx, bearer))(t)
	if gone.JSON401 == nil || gone.JSON401.Code != client.UnauthorizedCodeSessionRevoked {
		t.Errorf("GET /users/me after logout: %d %s", gone.StatusCode(), gone.Body)
	}
}
