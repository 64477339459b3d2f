package smtpd_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/authd/authd/test/smtpd"
)

// raw is a multipart/alternative message as a mail library writes it: an encoded subject, a
// quoted-printable text part and a base64 HTML part.
const raw = "From: authd <no-reply@example.com>\r\n" +
	"To: ada@example.com\r\n" +
	"Subject: =?UTF-8?q?R=C3=A9initialiser?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Open https://auth.example.com/reset-password#token=3Dabc-_123 to go on, a long line that=\r\n" +
	" wraps.\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+SGkgPHN0cm9uZz5BZGE8L3N0cm9uZz48L3A+\r\n" +
	"--b1--\r\n"

func send(t *testing.T, c *smtp.Client, from, to, msg string) error {
	t.Helper()
	defer c.Close()
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// readGreeting returns what a server says first to a client in clear (it says nothing to one that
// speaks TLS from the first byte, and closes the connection on its first line).
func readGreeting(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = c.Write([]byte("EHLO localhost\r\n"))
	b, _ := io.ReadAll(c)
	return string(b)
}

func trust(s *smtpd.Server) *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM())
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func TestCapturesAndDecodes(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{})
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if err := send(t, c, "no-reply@example.com", "Ada@Example.com", raw); err != nil {
		t.Fatal(err)
	}
	got := s.To("ada@example.com")
	if len(got) != 1 {
		t.Fatalf("To(ada) = %d messages, want 1 (all: %d)", len(got), len(s.Messages()))
	}
	m := got[0]
	if m.From != "no-reply@example.com" || len(m.To) != 1 || m.TLS || m.User != "" {
		t.Errorf("envelope = %q → %q, tls %t, user %q", m.From, m.To, m.TLS, m.User)
	}
	if m.Subject != "Réinitialiser" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if m.Header["From"][0] != "authd <no-reply@example.com>" {
		t.Errorf("From header = %q", m.Header["From"])
	}
	if want := "Open https://auth.example.com/reset-password#token=abc-_123 to go on, a long line that wraps."; m.Text != want {
		t.Errorf("Text = %q, want %q", m.Text, want)
	}
	if m.HTML != "<p>Hi <strong>Ada</strong></p>" {
		t.Errorf("HTML = %q", m.HTML)
	}
	if links := m.Links(); len(links) != 1 || links[0] != "https://auth.example.com/reset-password#token=abc-_123" {
		t.Errorf("Links() = %q", links)
	}
	if !strings.Contains(m.Raw, "token=3Dabc") || m.ParseError != "" {
		t.Errorf("Raw is not the message as sent, or it did not parse: %q", m.ParseError)
	}
	s.Reset()
	if n := len(s.Messages()); n != 0 {
		t.Errorf("after Reset, %d messages", n)
	}
}

func TestSTARTTLSAndAuth(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{STARTTLS: true, Username: "mailer", Password: "s3cret pass"})
	if s.CAPEM() == nil {
		t.Fatal("no CA PEM with STARTTLS")
	}

	c, err := smtp.DialStartTLS(s.Addr(), trust(s))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("a@example.com", nil); err == nil {
		t.Error("MAIL FROM before AUTH was accepted")
	}
	if err := c.Auth(sasl.NewPlainClient("", "mailer", "wrong")); err == nil {
		t.Error("a wrong password was accepted")
	}
	_ = c.Close()

	c, err = smtp.DialStartTLS(s.Addr(), trust(s))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "mailer", "s3cret pass")); err != nil {
		t.Fatal(err)
	}
	if err := send(t, c, "a@example.com", "b@example.com", raw); err != nil {
		t.Fatal(err)
	}
	m := s.Messages()
	if len(m) != 1 || !m[0].TLS || m[0].User != "mailer" {
		t.Fatalf("messages = %+v", m)
	}
}

func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{ImplicitTLS: true})
	if greeting := readGreeting(t, s.Addr()); strings.HasPrefix(greeting, "220") {
		t.Errorf("a client in clear was greeted: %q", greeting)
	}
	c, err := smtp.DialTLS(s.Addr(), trust(s))
	if err != nil {
		t.Fatal(err)
	}
	if err := send(t, c, "a@example.com", "b@example.com", raw); err != nil {
		t.Fatal(err)
	}
	if m := s.Messages(); len(m) != 1 || !m[0].TLS {
		t.Fatalf("messages = %+v", m)
	}
}

func TestDownAndUp(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{})
	open, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if err := open.Hello("localhost"); err != nil {
		t.Fatal(err)
	}
	s.Down()
	var se *smtp.SMTPError
	if greeting := readGreeting(t, s.Addr()); !strings.HasPrefix(greeting, "421 ") {
		t.Errorf("a new connection while down is greeted %q, want a 421", greeting)
	}
	if err := open.Mail("a@example.com", nil); !errors.As(err, &se) || se.Code != 421 {
		t.Errorf("MAIL in an open session while down: %v, want a 421", err)
	}
	_ = open.Close()
	s.Up()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if err := send(t, c, "a@example.com", "b@example.com", raw); err != nil {
		t.Fatalf("after Up: %v", err)
	}
}

func TestWait(t *testing.T) {
	t.Parallel()
	s := smtpd.Start(t, smtpd.Options{})
	go func() {
		for i := range 2 {
			time.Sleep(20 * time.Millisecond)
			c, err := smtp.Dial(s.Addr())
			if err != nil {
				return
			}
			_ = send(t, c, "a@example.com", "b@example.com", strings.Replace(raw, "R=C3=A9initialiser", []string{"One", "Two"}[i], 1))
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := s.Wait(ctx, "B@example.com", 2)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Wait = %d messages, %v", len(msgs), err)
	}
	m, err := s.WaitFor(ctx, func(m smtpd.Message) bool { return m.Subject == "Two" })
	if err != nil || m.Subject != "Two" {
		t.Fatalf("WaitFor = %q, %v", m.Subject, err)
	}

	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	msgs, err = s.Wait(short, "b@example.com", 3)
	if !errors.Is(err, context.DeadlineExceeded) || len(msgs) != 2 {
		t.Errorf("Wait for a third = %d messages, %v; want 2 and the deadline", len(msgs), err)
	}
}
