// Package mailer implements mail.Sender: it writes each letter as a plain-text and an HTML part
// from templates (embedded, each replaceable from a directory), puts in the link of the letter's
// flow from configuration alone, and hands the message (github.com/wneessen/go-mail) to a
// Transport: an SMTP server, or a spool directory of .eml files when none is configured.
package mailer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	coremail "github.com/authd/authd/core/mail"
)

// Transport takes a finished message to where mail goes. An error means it did not take it.
type Transport interface {
	Deliver(ctx context.Context, m *gomail.Msg) error
}

// Clock tells the time, for the Date header and for saying when a link expires.
type Clock interface {
	Now() time.Time
}

// Config is what New needs. From and a link for each flow (PublicURL, or the flow's template)
// are required; the rest have defaults.
type Config struct {
	// From is the sender, an RFC 5322 address: "authd <no-reply@example.com>".
	From string
	// Links says where the links in mails lead.
	Links
	// Name is what mails call the service; "authd" when empty.
	Name string
	// Support is where the "if this wasn't you" guidance sends people, an address or a URL;
	// when empty it says to contact the people who run the service.
	Support string
	// TemplatesDir holds templates that replace the embedded ones of the same name
	// (verify_email.subject.txt, verify_email.txt, verify_email.html, layout.txt, …); empty: the
	// embedded ones only.
	TemplatesDir string
	// SMTP is the mail server; when its URL is empty, mail is spooled to SpoolDir instead.
	SMTP SMTPConfig
	// SpoolDir receives one .eml file per message when there is no SMTP URL.
	SpoolDir string
	// Transport, when set, takes the messages instead of SMTP or the spool.
	Transport Transport
	// Logger receives the spool's file names; slog.Default() when nil.
	Logger *slog.Logger
	// Clock tells the time; the system clock when nil.
	Clock Clock
}

// Mailer is a mail.Sender.
type Mailer struct {
	from      *mail.Address
	name      string
	support   string
	links     *linker
	render    *renderer
	transport Transport
	clock     Clock
}

var _ coremail.Sender = (*Mailer)(nil)

// New checks cfg, parses every template and opens the transport: it fails on a bad address or
// URL and names the template file that does not parse or render.
func New(cfg Config) (*Mailer, error) {
	var errs []error
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		errs = append(errs, fmt.Errorf("mailer: From %q: %w", cfg.From, err))
	}
	links, err := newLinker(cfg.Links)
	if err != nil {
		errs = append(errs, fmt.Errorf("mailer: %w", err))
	}
	render, err := newRenderer(cfg.TemplatesDir)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	m := &Mailer{from: from, name: cfg.Name, support: cfg.Support, links: links, render: render, transport: cfg.Transport, clock: cfg.Clock}
	if m.name == "" {
		m.name = "authd"
	}
	if m.clock == nil {
		m.clock = systemClock{}
	}
	if m.transport == nil {
		logger := cfg.Logger
		if logger == nil {
			logger = slog.Default()
		}
		if cfg.SMTP.URL != "" {
			m.transport, err = NewSMTP(cfg.SMTP)
		} else {
			m.transport, err = NewSpool(cfg.SpoolDir, logger)
		}
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Send writes l and hands it to the transport.
func (m *Mailer) Send(ctx context.Context, l coremail.Letter) error {
	msg, err := m.Message(l)
	if err != nil {
		return err
	}
	if err := m.transport.Deliver(ctx, msg); err != nil {
		return fmt.Errorf("mailer: send %s: %w", l.Kind, err)
	}
	return nil
}

// Message builds the message Send would hand to the transport.
func (m *Mailer) Message(l coremail.Letter) (*gomail.Msg, error) {
	now := m.clock.Now()
	v := View{Name: m.name, FirstName: l.FirstName, Email: l.To, NewEmail: l.NewEmail, Support: m.support}
	if link, ok := m.links.link(l.Kind, l.Token); ok {
		if l.Token == "" {
			return nil, fmt.Errorf("mailer: a %s letter without a token", l.Kind)
		}
		v.Link = link
		v.ExpiresIn, v.ExpiresAt = expiresIn(now, l.ExpiresAt), expiresAt(l.ExpiresAt)
	}
	subject, text, html, err := m.render.render(l.Kind, v)
	if err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(m.from)
	if err := msg.To(l.To); err != nil {
		return nil, fmt.Errorf("mailer: recipient: %w", err)
	}
	msg.Subject(subject)
	msg.SetDateWithValue(now)
	msg.SetMessageIDWithValue(messageID(m.from.Address))
	// RFC 3834: tells vacation responders and the like not to answer.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, text)
	msg.AddAlternativeString(gomail.TypeTextHTML, html)
	return msg, nil
}

// messageID is unique and names the sender's domain rather than the host it runs on.
func messageID(from string) string {
	domain := "localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "@" + domain
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
