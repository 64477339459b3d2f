//go:build !race

// The race detector slows the Go code around the hash several times over but not argon2's inner
// loop evenly, so the timing comparison runs only in a normal build (make test runs it so).

package features_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/test/harness"
)

// TestLoginTimingRevealsNoAccounts checks that a wrong password and an unknown email cost the same:
// interleaved requests, medians within 25% of each other, and byte-identical bodies. Both paths do
// one argon2id verification, which dwarfs everything else, so the margin is wide for a noisy machine.
func TestLoginTimingRevealsNoAccounts(t *testing.T) {
	c := harness.Config(t)
	c.LoginMaxFailures, c.IPMaxFailures = 0, 0 // measure the work, not the lockout
	svc := harness.Start(t, c)
	post := func(body string) (time.Duration, []byte) {
		t.Helper()
		began := time.Now()
		resp, err := http.Post(svc.URL+"/api/v1/auth/login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		elapsed := time.Since(began)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d: %s", resp.StatusCode, data)
		}
		return elapsed, data
	}
	reg := `{"email":"timing@example.com","password":"SecurePass123!","confirm_password":"SecurePass123!","first_name":"T","last_name":"T"}`
	if resp, err := http.Post(svc.URL+"/api/v1/auth/register", "application/json", strings.NewReader(reg)); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %v %v", resp, err)
	}
	post(`{"email":"warmup@example.com","password":"WrongPass123!"}`) // computes the dummy hash once

	// This machine is shared: a burst of other work can skew one measurement. A real difference
	// shows in every attempt, so the best of three must be within the bound.
	best := 0.0
	for attempt := range 3 {
		const rounds = 25
		var known, unknown []time.Duration
		var knownBody, unknownBody []byte
		for i := range rounds {
			d, b := post(`{"email":"timing@example.com","password":"WrongPass123!"}`)
			known, knownBody = append(known, d), b
			d, b = post(fmt.Sprintf(`{"email":"nobody%d-%d@example.com","password":"WrongPass123!"}`, attempt, i))
			unknown, unknownBody = append(unknown, d), b
		}
		if !bytes.Equal(knownBody, unknownBody) {
			t.Fatalf("bodies differ:\n%s\n%s", knownBody, unknownBody)
		}
		mk, mu := median(known), median(unknown)
		ratio := float64(max(mk, mu)) / float64(min(mk, mu))
		t.Logf("attempt %d: median wrong password %s, unknown email %s, ratio %.2f", attempt+1, mk, mu, ratio)
		if best == 0 || ratio < best {
			best = ratio
		}
		if best <= 1.25 {
			return
		}
	}
	t.Errorf("in three attempts the medians never came within 25%% (best ratio %.2f): the response time tells accounts apart", best)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestForgotPasswordTimingRevealsNoAccounts checks that asking to reset the password of an
// account and of an address nobody has cost the same and answer the same: both are one write to
// the outbox, and whether an account has the address is looked up later, by the courier. Requests
// are spaced so each is timed alone, not with the courier's mailing of the one before (the
// residue is in docs/SECURITY.md).
func TestForgotPasswordTimingRevealsNoAccounts(t *testing.T) {
	c := harness.Config(t)
	c.Mail.MaxPerAccount, c.Mail.MaxPerIP = 0, 0 // measure the work, not the limits
	svc := harness.Start(t, c)
	post := func(email string) (time.Duration, []byte) {
		t.Helper()
		began := time.Now()
		resp, err := http.Post(svc.URL+"/api/v1/auth/forgot-password", "application/json", strings.NewReader(`{"email":"`+email+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		elapsed := time.Since(began)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d: %s", resp.StatusCode, data)
		}
		time.Sleep(20 * time.Millisecond)
		return elapsed, data
	}
	reg := `{"email":"timing@example.com","password":"SecurePass123!","confirm_password":"SecurePass123!","first_name":"T","last_name":"T"}`
	if resp, err := http.Post(svc.URL+"/api/v1/auth/register", "application/json", strings.NewReader(reg)); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %v %v", resp, err)
	}
	post("warmup@example.com")
	best := 0.0
	for attempt := range 3 {
		const rounds = 40
		var known, unknown []time.Duration
		var knownBody, unknownBody []byte
		for i := range rounds {
			d, b := post("timing@example.com")
			known, knownBody = append(known, d), b
			d, b = post(fmt.Sprintf("nobody%d-%d@example.com", attempt, i))
			unknown, unknownBody = append(unknown, d), b
		}
		if !bytes.Equal(knownBody, unknownBody) {
			t.Fatalf("bodies differ:\n%s\n%s", knownBody, unknownBody)
		}
		mk, mu := median(known), median(unknown)
		ratio := float64(max(mk, mu)) / float64(min(mk, mu))
		t.Logf("attempt %d: median known address %s, unknown address %s, ratio %.2f", attempt+1, mk, mu, ratio)
		if best == 0 || ratio < best {
			best = ratio
		}
		if best <= 1.25 {
			break
		}
	}
	if best > 1.25 {
		t.Errorf("in three attempts the medians never came within 25%% (best ratio %.2f): the response time tells accounts apart", best)
	}
	if n := len(svc.Mail.To("timing@example.com")); n < 40 {
		t.Errorf("the account received %d reset mails, want one per request", n)
	}
	if n := len(svc.Mail.Messages()) - len(svc.Mail.To("timing@example.com")); n != 0 {
		t.Errorf("%d mails went to addresses without an account", n)
	}
}
