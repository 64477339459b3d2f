package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cucumber/godog"
)

// Admin is an administrator's account on the target: verified, holding the admin role, and the
// same for every scenario of a run, so no scenario may switch it off or change its password.
type Admin struct {
	Email, Password string
}

// Roles changes an account's roles straight in the target's database, as `authd admin
// grant|revoke` does; no HTTP endpoint grants or revokes a role.
type Roles interface {
	GrantAdmin(ctx context.Context, email string) error
	RevokeAdmin(ctx context.Context, email string) error
}

// adminSession is the name of the session "I am logged in as the administrator" opens.
const adminSession = "admin"

func (w *world) registerAdmin(sc *godog.ScenarioContext) {
	sc.Step(`^I am logged in as the administrator$`, w.loggedInAsAdmin)
	sc.Step(`^the account "([^"]*)" has been deactivated by an operator$`, w.deactivate)
	sc.Step(`^"([^"]*)" has been given the admin role in the database$`, w.roleChange(Roles.GrantAdmin))
	sc.Step(`^the admin role of "([^"]*)" is revoked in the database$`, w.roleChange(Roles.RevokeAdmin))
}

// adminLogin opens a session of the target's administrator, once per scenario, and remembers
// {admin.access_token}, {admin.refresh_token}, {admin.id} and {admin.email}.
func (w *world) adminLogin() (string, error) {
	if err := w.needs("@admin"); err != nil {
		return "", err
	}
	if tok, ok := w.vars[adminSession+".access_token"]; ok {
		return tok, nil
	}
	a := w.target.Admin
	if a == nil {
		return "", fmt.Errorf("this target names no administrator")
	}
	// The admin's address is sent as it is: it is the target's, not the scenario's.
	body, err := json.Marshal(map[string]string{"email": a.Email, "password": a.Password})
	if err != nil {
		return "", err
	}
	resp, data, err := w.do(context.Background(), http.MethodPost, "/api/v1/auth/login", body, "application/json", nil)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("log in as the administrator %s: status %d: %s", a.Email, resp.StatusCode, data)
	}
	var tok struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal(data, &tok); err != nil {
		return "", err
	}
	resp, data, err = w.do(context.Background(), http.MethodGet, "/api/v1/users/me", nil, "", http.Header{"Authorization": {"Bearer " + tok.Access}})
	if err != nil {
		return "", err
	}
	var me struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	if err := json.Unmarshal(data, &me); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /api/v1/users/me as the administrator: status %d: %s", resp.StatusCode, data)
	}
	w.vars[adminSession+".access_token"], w.vars[adminSession+".refresh_token"] = tok.Access, tok.Refresh
	w.vars[adminSession+".id"], w.vars[adminSession+".email"] = me.ID, me.Email
	return tok.Access, nil
}

// loggedInAsAdmin makes the administrator's access token the bearer of the following requests;
// `I use session "admin"` goes back to it after another session.
func (w *world) loggedInAsAdmin() error {
	tok, err := w.adminLogin()
	if err != nil {
		return err
	}
	w.bearer = tok
	return nil
}

// asAdmin sends one request with the administrator's token, leaving the scenario's bearer and
// last response as they were.
func (w *world) asAdmin(method, path string) (int, []byte, error) {
	tok, err := w.adminLogin()
	if err != nil {
		return 0, nil, err
	}
	resp, data, err := w.do(context.Background(), method, path, nil, "", http.Header{"Authorization": {"Bearer " + tok}})
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, data, nil
}

// accountID finds the id of the account at email (a scenario's address) through the admin API.
func (w *world) accountID(email string) (string, error) {
	e, err := w.expand(email)
	if err != nil {
		return "", err
	}
	e = strings.ToLower(e)
	status, data, err := w.asAdmin(http.MethodGet, "/api/v1/admin/users?email_prefix="+url.QueryEscape(e))
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("find %s: status %d: %s", e, status, data)
	}
	var page struct {
		Users []struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"users"`
	}
	if err := json.Unmarshal(data, &page); err != nil {
		return "", err
	}
	for _, u := range page.Users {
		if u.Email == e {
			return u.ID, nil
		}
	}
	return "", fmt.Errorf("the admin API finds no account %s", e)
}

// deactivate switches the account off as an operator does: the administrator finds it by its
// email and deactivates it through the admin API.
func (w *world) deactivate(email string) error {
	id, err := w.accountID(email)
	if err != nil {
		return err
	}
	status, data, err := w.asAdmin(http.MethodPost, "/api/v1/admin/users/"+id+"/deactivate")
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("deactivate %s: status %d: %s", email, status, data)
	}
	return nil
}

func (w *world) roleChange(change func(Roles, context.Context, string) error) func(string) error {
	return func(email string) error {
		if err := w.needs("@database"); err != nil {
			return err
		}
		if w.target.Roles == nil {
			return fmt.Errorf("this target offers no database access to change roles")
		}
		e, err := w.expand(email)
		if err != nil {
			return err
		}
		return change(w.target.Roles, context.Background(), strings.ToLower(e))
	}
}
