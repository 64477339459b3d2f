package mailer_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/mailer"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/smtpd"
)

const password = "p@ss:w/rd%"

func TestSMTPURLs(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		"smtp://mail.example.com", "smtp://mail.example.com:25?tls=none", "smtp://u:p@mail.example.com?tls=starttls",
		"smtp://mail.example.com:2525?tls=mandatory", "smtps://u:p@mail.example.com", "smtps://[::1]:4650",
	} {
		if _, err := mailer.NewSMTP(mailer.SMTPConfig{URL: ok}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	secret := "hunter2secret"
	for _, bad := range []string{
		"mail.example.com:587", "http://mail.example.com", "smtp://", "smtp://u:" + secret + "@mail.example.com:0",
		"smtp://u:" + secret + "@mail.example.com:99999", "smtp://u:" + secret + "@mail.example.com?tls=always",
		"smtps://u:" + secret + "@mail.example.com?tls=none", "smtp://u:" + secret + "@mail.example.com?tsl=none",
		"smtp://u:" + secret + "%zz@mail.example.com", "smtp://u:" + secret + "@mail example.com",
		"smtp://u:" + secret + "@mail.example.com:port",
	} {
		_, err := mailer.NewSMTP(mailer.SMTPConfig{URL: bad})
		if err == nil {
			t.Errorf("%s: accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the password: %v", bad, err)
		}
	}
	if _, err := mailer.NewSMTP(mailer.SMTPConfig{URL: "smtp://h", CAFile: "/nonexistent.pem"}); err == nil {
		t.Error("a missing CA file was accepted")
	}
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	_ = os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	if _, err := mailer.NewSMTP(mailer.SMTPConfig{URL: "smtp://h", CAFile: notPEM}); err == nil {
		t.Error("a CA file without a certificate was accepted")
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"smtp://mailer:" + url.QueryEscape(password) + "@mail.example.com:587": "smtp://mailer:xxxxx@mail.example.com:587",
		"smtps://mail.example.com":            "smtps://mail.example.com",
		"smtp://u:s3cret%zz@mail.example.com": "(an SMTP URL that does not parse)",
	} {
		if got := mailer.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	s, err := mailer.NewSMTP(mailer.SMTPConfig{URL: "smtp://mailer:s3cret@mail.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.String(); strings.Contains(got, "s3cret") {
		t.Errorf("String() = %q", got)
	}
}

// caFile writes the server's certificate where SMTPConfig.CAFile can name it.
func caFile(t *testing.T, s *smtpd.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, s.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func smtpMailer(t *testing.T, c mailer.SMTPConfig) *mailer.Mailer {
	t.Helper()
	cfg := config()
	cfg.SMTP = c
	m, err := mailer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func reset(to string) mail.Letter {
	return mail.Letter{Kind: user.NoticeResetPassword, To: to, FirstName: "Ada", Token: token, ExpiresAt: now.Add(time.Hour)}
}

func received(t *testing.T, s *smtpd.Server, to string) smtpd.Message {
	t.Helper()
	msgs := s.To(to)
	if len(msgs) != 1 {
		t.Fatalf("%d messages to %s, want 1", len(msgs), to)
	}
	m := msgs[0]
	if m.From != "no-reply@example.com" || m.Text == "" || m.HTML == "" || m.ParseError != "" {
		t.Errorf("envelope from %q, text %d bytes, html %d bytes, parse error %q", m.From, len(m.Text), len(m.HTML), m.ParseError)
	}
	if links := m.Links(); len(links) != 1 || links[0] != "https://auth.example.com/reset-password#token="+token {
		t.Errorf("links = %q", links)
	}
	return m
}

func TestSMTPPlain(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{})
	m := smtpMailer(t, mailer.SMTPConfig{URL: "smtp://" + s.Addr() + "?tls=none"})
	if err := m.Send(context.Background(), reset("ada@example.com")); err != nil {
		t.Fatal(err)
	}
	if got := received(t, s, "ada@example.com"); got.TLS {
		t.Error("went over TLS with tls=none")
	}
}

func TestSMTPSTARTTLSIsMandatoryByDefault(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{})
	m := smtpMailer(t, mailer.SMTPConfig{URL: "smtp://" + s.Addr()})
	if err := m.Send(context.Background(), reset("ada@example.com")); err == nil {
		t.Error("sent in clear to a server that offers no STARTTLS")
	}
	m = smtpMailer(t, mailer.SMTPConfig{URL: "smtp://" + s.Addr() + "?tls=starttls"})
	if err := m.Send(context.Background(), reset("ada@example.com")); err != nil {
		t.Errorf("tls=starttls to a server without it: %v", err)
	}
}

func TestSMTPSTARTTLSWithAuth(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{STARTTLS: true, Username: "mail@er", Password: password})
	u := fmt.Sprintf("smtp://%s:%s@%s", url.QueryEscape("mail@er"), url.QueryEscape(password), s.Addr())
	m := smtpMailer(t, mailer.SMTPConfig{URL: u, CAFile: caFile(t, s)})
	if err := m.Send(context.Background(), reset("ada@example.com")); err != nil {
		t.Fatal(err)
	}
	if got := received(t, s, "ada@example.com"); !got.TLS || got.User != "mail@er" {
		t.Errorf("tls %t, user %q: want TLS and the URL's decoded user", got.TLS, got.User)
	}

	for _, tc := range []struct {
		name string
		c    mailer.SMTPConfig
	}{
		{"untrusted certificate", mailer.SMTPConfig{URL: u}},
		{"no credentials", mailer.SMTPConfig{URL: "smtp://" + s.Addr(), CAFile: caFile(t, s)}},
		{"wrong password", mailer.SMTPConfig{URL: fmt.Sprintf("smtp://mail%%40er:wrong-%s@%s", "hunter2", s.Addr()), CAFile: caFile(t, s)}},
	} {
		err := smtpMailer(t, tc.c).Send(context.Background(), reset("eve@example.com"))
		if err == nil {
			t.Errorf("%s: sent", tc.name)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the password: %v", tc.name, err)
		}
	}
	if n := len(s.To("eve@example.com")); n != 0 {
		t.Errorf("%d messages got through", n)
	}

	insecure := smtpMailer(t, mailer.SMTPConfig{URL: u, InsecureSkipVerify: true})
	if err := insecure.Send(context.Background(), reset("bob@example.com")); err != nil {
		t.Errorf("InsecureSkipVerify: %v", err)
	}
}

func TestSMTPNeverSendsThePasswordInClear(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{Username: "mailer", Password: "s3cret"})
	m := smtpMailer(t, mailer.SMTPConfig{URL: "smtp://mailer:s3cret@" + s.Addr() + "?tls=none"})
	if err := m.Send(context.Background(), reset("ada@example.com")); err == nil {
		t.Error("authenticated with PLAIN over a connection without TLS")
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{ImplicitTLS: true, Username: "mailer", Password: password})
	m := smtpMailer(t, mailer.SMTPConfig{URL: "smtps://mailer:" + url.QueryEscape(password) + "@" + s.Addr(), CAFile: caFile(t, s)})
	if err := m.Send(context.Background(), reset("ada@example.com")); err != nil {
		t.Fatal(err)
	}
	if got := received(t, s, "ada@example.com"); !got.TLS || got.User != "mailer" {
		t.Errorf("tls %t, user %q", got.TLS, got.User)
	}
}

func TestSMTPServerDown(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{})
	m := smtpMailer(t, mailer.SMTPConfig{URL: "smtp://" + s.Addr() + "?tls=none"})
	s.Down()
	if err := m.Send(context.Background(), reset("ada@example.com")); err == nil {
		t.Error("sent during an outage")
	}
	s.Up()
	if err := m.Send(context.Background(), reset("ada@example.com")); err != nil {
		t.Errorf("after the outage: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	m = smtpMailer(t, mailer.SMTPConfig{URL: "smtp://" + closed + "?tls=none"})
	if err := m.Send(context.Background(), reset("ada@example.com")); err == nil {
		t.Error("sent to a closed port")
	}
}

// silent accepts connections and never says a word, like a server that hangs.
func silent(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	return ln.Addr().String()
}

func TestSMTPTimeouts(t *testing.T) {
	t.Parallel()
	addr := silent(t)
	for _, tc := range []struct {
		name string
		c    mailer.SMTPConfig
		ctx  time.Duration
	}{
		{"greeting never comes", mailer.SMTPConfig{URL: "smtp://" + addr + "?tls=none", SendTimeout: 300 * time.Millisecond}, 0},
		{"TLS handshake never ends", mailer.SMTPConfig{URL: "smtps://" + addr, DialTimeout: 300 * time.Millisecond}, 0},
		{"the caller's deadline comes first", mailer.SMTPConfig{URL: "smtp://" + addr + "?tls=none"}, 300 * time.Millisecond},
	} {
		ctx := context.Background()
		if tc.ctx > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, tc.ctx)
			defer cancel()
		}
		start := time.Now()
		err := smtpMailer(t, tc.c).Send(ctx, reset("ada@example.com"))
		if took := time.Since(start); err == nil || took > 3*time.Second {
			t.Errorf("%s: %v after %s, want an error within the 300ms timeout and some slack", tc.name, err, took)
		}
	}
}
