package mailer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/authd/authd/adapters/mailer"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/smtpd"
)

var now = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return now }

// recorder is a Transport that keeps what it is handed.
type recorder struct{ msgs []*gomail.Msg }

func (r *recorder) Deliver(_ context.Context, m *gomail.Msg) error {
	r.msgs = append(r.msgs, m)
	return nil
}

func config() mailer.Config {
	return mailer.Config{
		From:  "authd <no-reply@example.com>",
		Links: mailer.Links{PublicURL: "https://auth.example.com"},
		Clock: fixedClock{},
	}
}

func newMailer(t *testing.T, cfg mailer.Config) (*mailer.Mailer, *recorder) {
	t.Helper()
	rec := &recorder{}
	if cfg.Transport == nil {
		cfg.Transport = rec
	}
	m, err := mailer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, rec
}

// parse writes msg out as it would go on the wire and reads it back as a mail client would.
func parse(t *testing.T, msg *gomail.Msg) smtpd.Message {
	t.Helper()
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	m := smtpd.Parse(b.String())
	if m.ParseError != "" {
		t.Fatalf("the message does not parse: %s\n%s", m.ParseError, b.String())
	}
	return m
}

func send(t *testing.T, m *mailer.Mailer, rec *recorder, l mail.Letter) smtpd.Message {
	t.Helper()
	if err := m.Send(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return parse(t, rec.msgs[len(rec.msgs)-1])
}

const token = "AAECAwQFBgcICQoL_secret-part"

func TestEveryKind(t *testing.T) {
	t.Parallel()
	m, rec := newMailer(t, config())
	for _, tc := range []struct {
		kind     user.NoticeKind
		link     string // empty for a notice
		mentions []string
	}{
		{user.NoticeVerifyEmail, "https://auth.example.com/verify-email#token=" + token, []string{"ada@example.com"}},
		{user.NoticeResetPassword, "https://auth.example.com/reset-password#token=" + token, []string{"ada@example.com"}},
		{user.NoticeConfirmEmail, "https://auth.example.com/confirm-email#token=" + token, []string{"ada@example.org"}},
		{user.NoticePasswordReset, "", []string{"If this wasn't you", "ada@example.com"}},
		{user.NoticeEmailChange, "", []string{"If this wasn't you", "ada@example.com", "ada@example.org"}},
		{user.NoticeEmailChanged, "", []string{"If this wasn't you", "ada@example.com", "ada@example.org"}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			l := mail.Letter{Kind: tc.kind, To: "ada@example.com", FirstName: "Ada", NewEmail: "ada@example.org"}
			if tc.link != "" {
				l.Token, l.ExpiresAt = token, now.Add(30*time.Minute)
			}
			got := send(t, m, rec, l)
			if strings.TrimSpace(got.Subject) == "" {
				t.Error("empty subject")
			}
			for _, part := range []struct{ name, body string }{{"text", got.Text}, {"html", got.HTML}} {
				if !strings.Contains(part.body, "Hi Ada,") {
					t.Errorf("%s does not greet Ada:\n%s", part.name, part.body)
				}
				for _, s := range tc.mentions {
					if !strings.Contains(part.body, s) {
						t.Errorf("%s does not say %q:\n%s", part.name, s, part.body)
					}
				}
				if tc.link == "" {
					if strings.Contains(part.body, "token") || strings.Contains(part.body, "https://") {
						t.Errorf("%s of a notice has a link:\n%s", part.name, part.body)
					}
					continue
				}
				if !strings.Contains(part.body, tc.link) {
					t.Errorf("%s lacks the link %s:\n%s", part.name, tc.link, part.body)
				}
				if !strings.Contains(part.body, "in 30 minutes") || !strings.Contains(part.body, "09:56 UTC on Saturday 14 March 2026") {
					t.Errorf("%s does not say when the link expires:\n%s", part.name, part.body)
				}
			}
			if tc.link != "" && !strings.Contains(got.HTML, `href="`+tc.link+`"`) {
				t.Errorf("the HTML's link is not an href: %s", got.HTML)
			}
			if tc.link != "" {
				if links := got.Links(); len(links) != 1 || links[0] != tc.link {
					t.Errorf("the text's links are %q, want only %s", links, tc.link)
				}
			}
			if strings.Contains(got.HTML, "<img") || strings.Contains(got.HTML, "src=") {
				t.Errorf("the HTML loads something: %s", got.HTML)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	m, rec := newMailer(t, config())
	got := send(t, m, rec, mail.Letter{Kind: user.NoticeEmailChanged, To: "ada@example.com", NewEmail: "ada@example.org"})
	h := got.Header
	for name, want := range map[string]string{
		"From":           "\"authd\" <no-reply@example.com>",
		"To":             "<ada@example.com>",
		"Auto-Submitted": "auto-generated",
		"Date":           "Sat, 14 Mar 2026 09:26:53 +0000",
		"Mime-Version":   "1.0",
	} {
		if len(h[name]) != 1 || h[name][0] != want {
			t.Errorf("%s = %q, want %q", name, h[name], want)
		}
	}
	if id := h["Message-Id"]; len(id) != 1 || !strings.HasPrefix(id[0], "<") || !strings.HasSuffix(id[0], "@example.com>") {
		t.Errorf("Message-ID = %q, want <…@example.com>", id)
	}
	if ct := h["Content-Type"]; len(ct) != 1 || !strings.HasPrefix(ct[0], "multipart/alternative") {
		t.Errorf("Content-Type = %q", ct)
	}
	if got.Text == "" || got.HTML == "" {
		t.Error("a part is missing")
	}
	if !strings.Contains(got.Text, "Hi,") || strings.Contains(got.Text, "Hi ,") {
		t.Errorf("without a first name the greeting is %q", strings.SplitN(got.Text, "\n", 2)[0])
	}
	if !strings.Contains(got.Text, "the people who run authd") {
		t.Errorf("without a support contact, guidance does not fall back:\n%s", got.Text)
	}
}

func TestNameAndSupport(t *testing.T) {
	t.Parallel()
	cfg := config()
	cfg.Name, cfg.Support = "Example Accounts", "help@example.com"
	m, rec := newMailer(t, cfg)
	got := send(t, m, rec, mail.Letter{Kind: user.NoticeEmailChanged, To: "ada@example.com", NewEmail: "x@example.org"})
	if !strings.Contains(got.Subject, "Example Accounts") || !strings.Contains(got.Text, "Contact help@example.com") || !strings.Contains(got.HTML, "Contact help@example.com") {
		t.Errorf("subject %q, text:\n%s", got.Subject, got.Text)
	}
}

func TestHTMLEscapesTheFirstName(t *testing.T) {
	t.Parallel()
	m, rec := newMailer(t, config())
	got := send(t, m, rec, mail.Letter{Kind: user.NoticeVerifyEmail, To: "ada@example.com", FirstName: `<script>alert("x")</script>`,
		Token: token, ExpiresAt: now.Add(time.Hour)})
	if strings.Contains(got.HTML, "<script>") {
		t.Errorf("the first name went into the HTML unescaped:\n%s", got.HTML)
	}
	if !strings.Contains(got.HTML, "&lt;script&gt;") {
		t.Errorf("the first name is missing from the HTML:\n%s", got.HTML)
	}
}

func TestSubjectIsOneLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "password_reset.subject.txt", "Hello {{.FirstName}}\n")
	cfg := config()
	cfg.TemplatesDir = dir
	m, rec := newMailer(t, cfg)
	got := send(t, m, rec, mail.Letter{Kind: user.NoticePasswordReset, To: "ada@example.com", FirstName: "Ada\r\nBcc: eve@example.com"})
	if got.Subject != "Hello Ada Bcc: eve@example.com" || len(got.Header["Bcc"]) != 0 {
		t.Errorf("subject %q, Bcc %q", got.Subject, got.Header["Bcc"])
	}
}

func TestRefusesBadLetters(t *testing.T) {
	t.Parallel()
	m, rec := newMailer(t, config())
	for name, l := range map[string]mail.Letter{
		"link without a token": {Kind: user.NoticeResetPassword, To: "ada@example.com"},
		"unknown kind":         {Kind: "welcome", To: "ada@example.com"},
		"bad recipient":        {Kind: user.NoticePasswordReset, To: "not an address"},
	} {
		if err := m.Send(context.Background(), l); err == nil {
			t.Errorf("%s: sent", name)
		}
	}
	if len(rec.msgs) != 0 {
		t.Errorf("%d messages reached the transport", len(rec.msgs))
	}
}

func TestRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func(*mailer.Config){
		"no From":        func(c *mailer.Config) { c.From = "" },
		"bad From":       func(c *mailer.Config) { c.From = "authd at example.com" },
		"no links":       func(c *mailer.Config) { c.PublicURL = "" },
		"bad SMTP URL":   func(c *mailer.Config) { c.Transport, c.SMTP.URL = nil, "http://mail.example.com" },
		"missing tmpdir": func(c *mailer.Config) { c.TemplatesDir = "/nonexistent/templates" },
	} {
		cfg := config()
		cfg.Transport = &recorder{}
		change(&cfg)
		if _, err := mailer.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

var mailerNew = mailer.New
