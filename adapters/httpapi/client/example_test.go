package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/oapi-codegen/nullable"

	"github.com/authd/authd/adapters/httpapi/client"
)

// The calls of docs/client.md: log in, clear the bio with null, and tell a 401 from a 200.
func Example() {
	ctx := context.Background()
	c, err := client.NewClientWithResponses("http://127.0.0.1:8080")
	if err != nil {
		log.Fatal(err)
	}

	login, err := c.LoginWithResponse(ctx, client.LoginRequest{Email: "user@example.com", Password: "SecurePass123!"})
	if err != nil {
		log.Fatal(err) // the transport failed, or the answer did not decode
	}
	if login.JSON200 == nil {
		log.Fatalf("login: %d %s", login.StatusCode(), login.Body) // JSON401, JSON422, JSON429… hold the typed error
	}
	bearer := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+login.JSON200.AccessToken)
		return nil
	}

	// nullable.Nullable tells "leave it" (unset) from "clear it" (null).
	put, err := c.UpdateMeWithResponse(ctx, client.ProfileUpdate{Bio: nullable.NewNullNullable[string]()}, bearer)
	if err != nil {
		log.Fatal(err)
	}
	switch {
	case put.JSON200 != nil:
		fmt.Println("bio cleared:", put.JSON200.Profile.Bio.IsNull())
	case put.JSON422 != nil:
		for _, e := range put.JSON422.Detail {
			fmt.Println(e.Type, e.Msg)
		}
	case put.JSON401 != nil:
		fmt.Println("log in again:", put.JSON401.Code, put.Headers401.WwwAuthenticate)
	}
}
