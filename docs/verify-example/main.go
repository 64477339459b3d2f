// Command verify-example shows how a resource server written in Go checks authd's access tokens
// with nothing but the public keys authd publishes: it fetches the JWKS with
// github.com/MicahParks/keyfunc/v3 (which refreshes it when a token names an unknown key, so key
// rotation needs no restart) and verifies with github.com/golang-jwt/jwt/v5.
//
// Run authd with AUTHD_JWT_ALG=EdDSA, log in, then:
//
//	go run . -jwks http://127.0.0.1:8080/.well-known/jwks.json "$ACCESS"
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims authd puts in its tokens.
type Claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
	TokenType string `json:"token_type"`
}

func main() {
	jwksURL := flag.String("jwks", "http://127.0.0.1:8080/.well-known/jwks.json", "authd's JWKS URL")
	issuer := flag.String("issuer", "authd", "the iss authd is configured with (AUTHD_JWT_ISSUER)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: verify-example [-jwks URL] [-issuer ISS] ACCESS_TOKEN")
		os.Exit(2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys, err := keyfunc.NewDefaultCtx(ctx, []string{*jwksURL})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetch the JWKS:", err)
		os.Exit(1)
	}
	claims, err := Verify(flag.Arg(0), keys.Keyfunc, *issuer)
	if err != nil {
		fmt.Fprintln(os.Stderr, "token rejected:", err)
		os.Exit(1)
	}
	fmt.Printf("valid access token for user %s (session %s), expires %s\n", claims.Subject, claims.SessionID, claims.ExpiresAt.Time)
}

// Verify checks an authd access token: signature by a published key (chosen by kid), algorithm
// EdDSA only, issuer, expiry, and that it is an access token, not a refresh token. A resource
// server that must see logouts at once should still ask authd (GET /api/v1/users/me): a signature
// alone can't tell that the session has ended.
func Verify(token string, keyfunc jwt.Keyfunc, issuer string) (*Claims, error) {
	var claims Claims
	_, err := jwt.ParseWithClaims(token, &claims, keyfunc,
		jwt.WithValidMethods([]string{"EdDSA"}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
	)
	if err != nil {
		return nil, err
	}
	if claims.TokenType != "access" {
		return nil, errors.New("not an access token")
	}
	return &claims, nil
}
