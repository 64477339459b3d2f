// Package workload drives authd the way many clients would while it is being killed, and keeps a
// ledger of what the service acknowledged so a test can check nothing acknowledged was lost.
package workload

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const first, second = "SecurePass123!", "NewSecurePass123!"

// Ledger records what the service acknowledged.
type Ledger struct {
	mu        sync.Mutex
	passwords map[string]string // email -> the password last acknowledged
	uncertain map[string]bool   // a password change whose answer was lost: either password may hold
	loggedOut []string          // access tokens whose logout was acknowledged
}

// NewLedger returns an empty Ledger.
func NewLedger() *Ledger {
	return &Ledger{passwords: map[string]string{}, uncertain: map[string]bool{}}
}

var client = &http.Client{Timeout: 10 * time.Second}

func post(base, path, bearer string, body any) (int, map[string]any) {
	var rd io.Reader = http.NoBody
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = strings.NewReader(string(raw))
	}
	req, _ := http.NewRequest(http.MethodPost, base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// A fresh address per request: per-address limits are not what this workload is about.
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.19.%d.%d", rand.IntN(256), rand.IntN(256)))
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// Cycle registers email, logs in, changes the password and logs out, recording each step the
// service acknowledged. Failures are expected while the service is being killed.
func (l *Ledger) Cycle(base, email string) {
	if s, _ := post(base, "/api/v1/auth/register", "", map[string]string{
		"email": email, "password": first, "confirm_password": first, "first_name": "Crash", "last_name": "Test",
	}); s != http.StatusCreated {
		return
	}
	l.mu.Lock()
	l.passwords[email] = first
	l.mu.Unlock()
	s, tok := post(base, "/api/v1/auth/login", "", map[string]string{"email": email, "password": first})
	if s != http.StatusOK {
		return
	}
	access, _ := tok["access_token"].(string)
	s, _ = post(base, "/api/v1/auth/change-password", access, map[string]string{
		"current_password": first, "new_password": second, "confirm_password": second,
	})
	l.mu.Lock()
	switch s {
	case http.StatusNoContent:
		l.passwords[email] = second
	case 0:
		l.uncertain[email] = true
	}
	l.mu.Unlock()
	if s != http.StatusNoContent {
		return
	}
	if s, _ := post(base, "/api/v1/auth/logout", access, nil); s == http.StatusNoContent {
		l.mu.Lock()
		l.loggedOut = append(l.loggedOut, access)
		l.mu.Unlock()
	}
}

// Verify checks against the service at base that every acknowledged user logs in with its
// acknowledged password and every acknowledged logout still holds.
func (l *Ledger) Verify(base string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.passwords) == 0 || len(l.loggedOut) == 0 {
		return fmt.Errorf("too little was acknowledged (%d users, %d logouts) to prove anything", len(l.passwords), len(l.loggedOut))
	}
	for email, password := range l.passwords {
		if l.uncertain[email] {
			continue
		}
		if s, _ := post(base, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}); s != http.StatusOK {
			return fmt.Errorf("%s can't log in with its acknowledged password: status %d", email, s)
		}
	}
	for _, tok := range l.loggedOut {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/users/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("a token whose logout was acknowledged answers %d", resp.StatusCode)
		}
	}
	return nil
}

// Counts reports how many users and logouts were acknowledged.
func (l *Ledger) Counts() (users, logouts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.passwords), len(l.loggedOut)
}

// Drive runs workers clients, each repeating Cycle with a fresh email from email(n) against the
// base URL base() returns at that moment (it may change as the service restarts), until the
// returned stop is called; stop waits for the clients to finish.
func (l *Ledger) Drive(workers int, base func() string, email func(n int64) string) (stop func()) {
	done := make(chan struct{})
	var seq atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
					l.Cycle(base(), email(seq.Add(1)))
				}
			}
		}()
	}
	return func() {
		close(done)
		wg.Wait()
	}
}
