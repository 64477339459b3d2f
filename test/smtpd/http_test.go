package smtpd_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/authd/authd/test/smtpd"
)

func TestRemote(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{STARTTLS: true})
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	r := smtpd.NewRemote(hs.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	pem, err := r.CAPEM(ctx)
	if err != nil || string(pem) != string(s.CAPEM()) {
		t.Fatalf("CAPEM = %q, %v", pem, err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		c, err := smtp.Dial(s.Addr())
		if err == nil {
			_ = send(t, c, "a@example.com", "b@example.com", raw)
		}
	}()
	msgs, err := r.Wait(ctx, "b@example.com", 1)
	if err != nil || len(msgs) != 1 || msgs[0].Subject != "Réinitialiser" || msgs[0].HTML == "" {
		t.Fatalf("Wait = %+v, %v", msgs, err)
	}
	if other, err := r.To(ctx, "c@example.com"); err != nil || len(other) != 0 {
		t.Errorf("To(c) = %d messages, %v", len(other), err)
	}

	if err := r.Down(ctx); err != nil || !s.IsDown() {
		t.Fatalf("Down: %v, down %t", err, s.IsDown())
	}
	if greeting := readGreeting(t, s.Addr()); !strings.HasPrefix(greeting, "421 ") {
		t.Errorf("while down, greeted %q, want a 421", greeting)
	}
	if err := r.Up(ctx); err != nil || s.IsDown() {
		t.Fatalf("Up: %v, down %t", err, s.IsDown())
	}
	if err := r.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if all, err := r.Messages(ctx); err != nil || len(all) != 0 {
		t.Errorf("after Reset: %d messages, %v", len(all), err)
	}

	resp, err := http.Get(hs.URL + "/messages?wait=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("wait=x: %s, want 400", resp.Status)
	}
}

func TestNoCAWithoutTLS(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{})
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	if _, err := smtpd.NewRemote(hs.URL).CAPEM(context.Background()); err == nil {
		t.Error("CAPEM without TLS: no error")
	}
}
