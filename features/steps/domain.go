package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cucumber/godog"
)

func (w *world) registerDomain(sc *godog.ScenarioContext) {
	sc.Step(`^a registered user "([^"]*)"$`, func(email string) error { return w.registered(email, DefaultPassword) })
	sc.Step(`^a registered user "([^"]*)" with password "([^"]*)"$`, w.registered)
	sc.Step(`^I am logged in as "([^"]*)"$`, w.loggedIn)
	sc.Step(`^"([^"]*)" has logged in as session "([^"]*)"$`, w.loggedInAs)
	sc.Step(`^I use session "([^"]*)"$`, w.useSession)
}

// local is the name a user's remembered values go under: the local part of the email.
func local(email string) string {
	name, _, _ := strings.Cut(email, "@")
	return name
}

// lastName is the last name a registered user gets: the local part of the address with its first
// letter upper-cased, "zara.new@example.com" → "Zara.new".
func lastName(email string) string {
	name := local(email)
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:]
}

// registered makes sure the user exists, and remembers {<local>.id} and {<local>.email}.
func (w *world) registered(email, password string) error {
	body, err := json.Marshal(map[string]string{
		"email": email, "password": password, "confirm_password": password,
		"first_name": "Test", "last_name": lastName(email),
	})
	if err != nil {
		return err
	}
	expanded, err := w.expand(string(body))
	if err != nil {
		return err
	}
	resp, data, err := w.do(context.Background(), http.MethodPost, "/api/v1/auth/register", []byte(expanded), "application/json", nil)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusTooManyRequests && w.target.Shared {
		return fmt.Errorf("register %s: status 429: %s\nif this comes early in a remote run, the deployment does not believe the suite's X-Forwarded-For: "+
			"add the address the suite connects from to its AUTHD_TRUSTED_PROXIES (features/README.md, Remote runs)", email, data)
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("register %s: status %d: %s", email, resp.StatusCode, data)
	}
	var u struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	if err := json.Unmarshal(data, &u); err != nil {
		return fmt.Errorf("register %s: %w", email, err)
	}
	w.passwords[strings.ToLower(email)] = password
	w.vars[local(email)+".id"] = u.ID
	w.vars[local(email)+".email"] = u.Email
	return nil
}

// login logs email in with the password it registered with, and returns the access and refresh tokens.
func (w *world) login(email string) (string, string, error) {
	password, ok := w.passwords[strings.ToLower(email)]
	if !ok {
		password = DefaultPassword
	}
	body, err := json.Marshal(map[string]string{"email": email, "password": password})
	if err != nil {
		return "", "", err
	}
	expanded, err := w.expand(string(body))
	if err != nil {
		return "", "", err
	}
	// Headers set for the next request (a User-Agent, an address) go with the login.
	extra := w.headers
	w.headers = http.Header{}
	resp, data, err := w.do(context.Background(), http.MethodPost, "/api/v1/auth/login", []byte(expanded), "application/json", extra)
	if err != nil {
		return "", "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("log in %s: status %d: %s", email, resp.StatusCode, data)
	}
	var tok struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal(data, &tok); err != nil {
		return "", "", fmt.Errorf("log in %s: %w", email, err)
	}
	return tok.Access, tok.Refresh, nil
}

// mainSession is the name of the session "I am logged in as" opens, for "I use session".
const mainSession = "main"

// loggedIn logs in and makes the access token the bearer of the following requests; the tokens are
// remembered as {access_token} and {refresh_token}, and the session is named "main".
func (w *world) loggedIn(email string) error {
	access, refresh, err := w.login(email)
	if err != nil {
		return err
	}
	w.vars["access_token"], w.vars["refresh_token"] = access, refresh
	w.vars[mainSession+".access_token"], w.vars[mainSession+".refresh_token"] = access, refresh
	w.bearer = access
	return nil
}

// loggedInAs opens a further named session, remembered as {<session>.access_token} and {<session>.refresh_token}.
func (w *world) loggedInAs(email, session string) error {
	access, refresh, err := w.login(email)
	if err != nil {
		return err
	}
	w.vars[session+".access_token"], w.vars[session+".refresh_token"] = access, refresh
	return nil
}

func (w *world) useSession(session string) error {
	tok, ok := w.vars[session+".access_token"]
	if !ok {
		return fmt.Errorf("no session %q has logged in", session)
	}
	w.bearer = tok
	return nil
}
