package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cucumber/godog"
)

func (w *world) registerRace(sc *godog.ScenarioContext) {
	sc.Step(`^(\d+) new users each log in with their password while another of their sessions changes it$`, w.raceLoginsWithChanges)
	sc.Step(`^no session opened with a password works after that password was changed$`, w.racedSessionsEnded)
}

// racedLogin is one login that ran alongside a change of the password it used.
type racedLogin struct {
	email           string
	status          int
	access, refresh string
}

// raceLoginsWithChanges registers n users; for each, a login with the password and a change of that
// password from an earlier session run at once. The login starts a little later each round, so the
// rounds sweep it across the change: before it, during its hashing, and at its write.
func (w *world) raceLoginsWithChanges(n int) error {
	w.raced = nil
	for i := range n {
		email := fmt.Sprintf("racer%d@example.com", i)
		if err := w.registered(email, DefaultPassword); err != nil {
			return err
		}
		changer, _, err := w.login(email)
		if err != nil {
			return err
		}
		r := racedLogin{email: email}
		var wg sync.WaitGroup
		var loginErr, changeErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i%8) * 8 * time.Millisecond)
			r.status, r.access, r.refresh, loginErr = w.tryLogin(email, DefaultPassword)
		}()
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"current_password": %q, "new_password": "Changed-%dPass!", "confirm_password": "Changed-%dPass!"}`, DefaultPassword, i, i)
			resp, data, err := w.do(context.Background(), http.MethodPost, "/api/v1/auth/change-password", []byte(body), "application/json",
				http.Header{"Authorization": {"Bearer " + changer}})
			if err != nil {
				changeErr = err
				return
			}
			if resp.StatusCode != http.StatusNoContent {
				changeErr = fmt.Errorf("change password of %s: status %d: %s", email, resp.StatusCode, data)
			}
		}()
		wg.Wait()
		if loginErr != nil {
			return loginErr
		}
		if changeErr != nil {
			return changeErr
		}
		if r.status != http.StatusOK && r.status != http.StatusUnauthorized {
			return fmt.Errorf("a login racing a password change answered %d, want 200 or 401", r.status)
		}
		w.raced = append(w.raced, r)
	}
	return nil
}

// tryLogin logs in with password and returns the status, and the tokens on success.
func (w *world) tryLogin(email, password string) (int, string, string, error) {
	body, err := json.Marshal(map[string]string{"email": email, "password": password})
	if err != nil {
		return 0, "", "", err
	}
	expanded, err := w.expand(string(body))
	if err != nil {
		return 0, "", "", err
	}
	resp, data, err := w.do(context.Background(), http.MethodPost, "/api/v1/auth/login", []byte(expanded), "application/json", nil)
	if err != nil {
		return 0, "", "", err
	}
	var tok struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &tok); err != nil {
			return 0, "", "", fmt.Errorf("log in %s: %w", email, err)
		}
	}
	return resp.StatusCode, tok.Access, tok.Refresh, nil
}

// racedSessionsEnded checks that every raced login that got tokens holds a session that has ended:
// its access token is refused and its refresh token exchanges for nothing.
func (w *world) racedSessionsEnded() error {
	if len(w.raced) == 0 {
		return fmt.Errorf("no login raced a password change in this scenario")
	}
	for _, r := range w.raced {
		if r.status != http.StatusOK {
			continue
		}
		resp, data, err := w.do(context.Background(), http.MethodGet, "/api/v1/users/me", nil, "", http.Header{"Authorization": {"Bearer " + r.access}})
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("%s: the access token of a login with the changed password answered %d: %s", r.email, resp.StatusCode, data)
		}
		body := fmt.Sprintf(`{"refresh_token": %q}`, r.refresh)
		resp, data, err = w.do(context.Background(), http.MethodPost, "/api/v1/auth/refresh", []byte(body), "application/json", nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("%s: the refresh token of a login with the changed password answered %d: %s", r.email, resp.StatusCode, data)
		}
	}
	return nil
}
