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
	sc.Step(`^(\d+) users each refresh their session while an administrator deactivates them$`, w.raceRefreshesWithDeactivation)
	sc.Step(`^(\d+) new users each log in while another of their sessions deletes the account$`, w.raceLoginsWithDeletion)
	sc.Step(`^no token outlives the answer that ended it$`, w.racedSessionsEnded)
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
	w.raced, w.racedBy = nil, "the change of its password"
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

// racedSessionsEnded checks that every raced session that got tokens has ended: its access token
// is refused and its refresh token exchanges for nothing.
func (w *world) racedSessionsEnded() error {
	if len(w.raced) == 0 {
		return fmt.Errorf("no login or refresh raced anything in this scenario")
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
			return fmt.Errorf("%s: an access token of a session that raced %s answered %d: %s", r.email, w.racedBy, resp.StatusCode, data)
		}
		body := fmt.Sprintf(`{"refresh_token": %q}`, r.refresh)
		resp, data, err = w.do(context.Background(), http.MethodPost, "/api/v1/auth/refresh", []byte(body), "application/json", nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("%s: a refresh token of a session that raced %s answered %d: %s", r.email, w.racedBy, resp.StatusCode, data)
		}
	}
	return nil
}

// raceRefreshesWithDeactivation registers n users and logs each in; per user, a refresh of that
// session and the administrator's deactivation of the account run at once, the refresh a little
// later each round. The session's tokens, and the new ones if the refresh won, are kept for
// racedSessionsEnded.
func (w *world) raceRefreshesWithDeactivation(n int) error {
	w.raced, w.racedBy = nil, "the deactivation of its account"
	for i := range n {
		email := fmt.Sprintf("held%d@example.com", i)
		if err := w.registered(email, DefaultPassword); err != nil {
			return err
		}
		access, refresh, err := w.login(email)
		if err != nil {
			return err
		}
		// Before the race: the administrator's login and the lookup write nothing the race reads.
		id, err := w.accountID(email)
		if err != nil {
			return err
		}
		w.raced = append(w.raced, racedLogin{email: email, status: http.StatusOK, access: access, refresh: refresh})
		r := racedLogin{email: email}
		err = both(func() (err error) {
			time.Sleep(time.Duration(i%8) * 4 * time.Millisecond)
			r.status, r.access, r.refresh, err = w.tryRefresh(refresh)
			return err
		}, func() error {
			status, data, err := w.asAdmin(http.MethodPost, "/api/v1/admin/users/"+id+"/deactivate")
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("deactivate %s: status %d: %s", email, status, data)
			}
			return err
		})
		if err != nil {
			return err
		}
		if r.status != http.StatusOK && r.status != http.StatusUnauthorized {
			return fmt.Errorf("a refresh racing a deactivation answered %d, want 200 or 401", r.status)
		}
		w.raced = append(w.raced, r)
	}
	return nil
}

// raceLoginsWithDeletion registers n users; for each, a login with the password and the deletion
// of the account from an earlier session run at once, the login a little later each round.
func (w *world) raceLoginsWithDeletion(n int) error {
	w.raced, w.racedBy = nil, "the deletion of its account"
	for i := range n {
		email := fmt.Sprintf("leaving%d@example.com", i)
		if err := w.registered(email, DefaultPassword); err != nil {
			return err
		}
		deleter, deleterRefresh, err := w.login(email)
		if err != nil {
			return err
		}
		w.raced = append(w.raced, racedLogin{email: email, status: http.StatusOK, access: deleter, refresh: deleterRefresh})
		r := racedLogin{email: email}
		err = both(func() (err error) {
			time.Sleep(time.Duration(i%8) * 8 * time.Millisecond)
			r.status, r.access, r.refresh, err = w.tryLogin(email, DefaultPassword)
			return err
		}, func() error {
			body := fmt.Sprintf(`{"current_password": %q}`, DefaultPassword)
			resp, data, err := w.do(context.Background(), http.MethodDelete, "/api/v1/users/me", []byte(body), "application/json",
				http.Header{"Authorization": {"Bearer " + deleter}})
			if err == nil && resp.StatusCode != http.StatusNoContent {
				err = fmt.Errorf("delete %s: status %d: %s", email, resp.StatusCode, data)
			}
			return err
		})
		if err != nil {
			return err
		}
		if r.status != http.StatusOK && r.status != http.StatusUnauthorized {
			return fmt.Errorf("a login racing the deletion of its account answered %d, want 200 or 401", r.status)
		}
		w.raced = append(w.raced, r)
	}
	return nil
}

// both runs a and b at once and returns a's error, or else b's.
func both(a, b func() error) error {
	var errA, errB error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); errA = a() }()
	go func() { defer wg.Done(); errB = b() }()
	wg.Wait()
	if errA != nil {
		return errA
	}
	return errB
}

// tryRefresh exchanges refresh and returns the status, and the new tokens on success.
func (w *world) tryRefresh(refresh string) (int, string, string, error) {
	body := fmt.Sprintf(`{"refresh_token": %q}`, refresh)
	resp, data, err := w.do(context.Background(), http.MethodPost, "/api/v1/auth/refresh", []byte(body), "application/json", nil)
	if err != nil {
		return 0, "", "", err
	}
	var tok struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &tok); err != nil {
			return 0, "", "", fmt.Errorf("refresh: %w", err)
		}
	}
	return resp.StatusCode, tok.Access, tok.Refresh, nil
}
