package mailer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Default timeouts of an SMTP transport.
const (
	DefaultDialTimeout = 10 * time.Second
	DefaultSendTimeout = 30 * time.Second
)

// TLS modes of an smtp:// URL, chosen with its tls query parameter.
const (
	// TLSMandatory upgrades every connection with STARTTLS and fails when the server does not
	// offer it. The default: mails carry links that take over accounts, and an attacker on the
	// path can strip a STARTTLS offer as easily as read what follows.
	TLSMandatory = "mandatory"
	// TLSOpportunistic upgrades when the server offers STARTTLS and sends in clear otherwise; an
	// upgrade that is offered but fails still fails the send.
	TLSOpportunistic = "starttls"
	// TLSNone never upgrades: for a relay on the same host or network, and for tests.
	TLSNone = "none"
)

// SMTPConfig is an SMTP server and how to talk to it.
type SMTPConfig struct {
	// URL names the server: smtp://user:pass@host:587 (STARTTLS; port 587 when omitted) or
	// smtps://user:pass@host:465 (TLS from the first byte; port 465 when omitted). User and
	// password are percent-encoded (an "@" in a password is %40); without them no SMTP AUTH is
	// attempted. An smtp:// URL may end in ?tls=mandatory (the default), ?tls=starttls or ?tls=none.
	URL string
	// DialTimeout bounds connecting, TLS handshake of smtps:// included; DefaultDialTimeout when 0.
	DialTimeout time.Duration
	// SendTimeout bounds the conversation once connected, twice at most: once for the greeting,
	// STARTTLS and AUTH, once for the message; DefaultSendTimeout when 0.
	SendTimeout time.Duration
	// CAFile is a PEM file of certificates to trust for the server instead of the system's roots,
	// for a server with a private or self-signed certificate.
	CAFile string
	// InsecureSkipVerify accepts any certificate the server shows. For tests only: it lets anyone
	// on the path read every mail.
	InsecureSkipVerify bool
}

// SMTP sends each message over a connection of its own: the outbox sends one message at a time
// and seldom, so a pool would hold connections servers close anyway.
type SMTP struct {
	host     string
	opts     []gomail.Option
	dial     time.Duration
	send     time.Duration
	redacted string
}

// NewSMTP parses c.URL and reads c.CAFile. Errors name the URL with its password masked.
func NewSMTP(c SMTPConfig) (*SMTP, error) {
	u, err := parseSMTPURL(c.URL)
	if err != nil {
		return nil, err
	}
	redacted := u.Redacted()
	fail := func(err error) (*SMTP, error) { return nil, fmt.Errorf("mailer: smtp %s: %w", redacted, err) }
	host, portText := u.Hostname(), u.Port()
	if host == "" {
		return fail(errors.New("no host"))
	}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
	}
	if portText != "" {
		if port, err = strconv.Atoi(portText); err != nil || port < 1 || port > 65535 {
			return fail(fmt.Errorf("bad port %q", portText))
		}
	}
	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.InsecureSkipVerify}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return fail(fmt.Errorf("CA file: %w", err))
		}
		tlsConfig.RootCAs = x509.NewCertPool()
		if !tlsConfig.RootCAs.AppendCertsFromPEM(pem) {
			return fail(fmt.Errorf("CA file %s holds no PEM certificate", c.CAFile))
		}
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTLSConfig(tlsConfig)}
	q := u.Query()
	mode := q.Get("tls")
	q.Del("tls")
	if len(q) > 0 {
		return fail(fmt.Errorf("unknown query parameters %q (only tls is read)", q.Encode()))
	}
	switch {
	case u.Scheme == "smtps" && mode != "":
		return fail(errors.New("smtps:// speaks TLS from the first byte; tls= applies to smtp:// only"))
	case u.Scheme == "smtps":
		opts = append(opts, gomail.WithSSL())
	case mode == "" || mode == TLSMandatory:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case mode == TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case mode == TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return fail(fmt.Errorf("tls=%q: want %s, %s or %s", mode, TLSMandatory, TLSOpportunistic, TLSNone))
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		// Auto-discovery picks the strongest mechanism the server offers, and none that would send
		// the password in clear over a connection without TLS.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	s := &SMTP{host: host, opts: opts, dial: c.DialTimeout, send: c.SendTimeout, redacted: redacted}
	if s.dial <= 0 {
		s.dial = DefaultDialTimeout
	}
	if s.send <= 0 {
		s.send = DefaultSendTimeout
	}
	return s, nil
}

// parseSMTPURL parses raw without letting a parse error repeat it: it may hold a password.
func parseSMTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("mailer: SMTP URL does not parse: %w", err)
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("mailer: SMTP URL %s: scheme must be smtp or smtps", u.Redacted())
	}
	return u, nil
}

// Redact returns an SMTP URL fit for logs: the password masked. One that does not parse is
// replaced as a whole.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an SMTP URL that does not parse)"
	}
	return u.Redacted()
}

// String names the server, without the password.
func (s *SMTP) String() string { return s.redacted }

// Deliver connects, sends m and quits. Connecting gets the dial timeout and each stage after it the
// send timeout (see SMTPConfig), both cut to what is left of ctx's deadline when Deliver starts.
func (s *SMTP) Deliver(ctx context.Context, m *gomail.Msg) error {
	send := s.send
	if deadline, ok := ctx.Deadline(); ok {
		send = min(send, time.Until(deadline))
	}
	if send <= 0 {
		return fmt.Errorf("smtp %s: %w", s.redacted, context.DeadlineExceeded)
	}
	c, err := gomail.NewClient(s.host, slices.Concat(s.opts, []gomail.Option{gomail.WithTimeout(send)})...)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.redacted, err)
	}
	// go-mail bounds the dial by the context it is given, and everything after by the connection
	// deadline WithTimeout sets.
	dialCtx, cancel := context.WithTimeout(ctx, s.dial)
	defer cancel()
	if err := c.DialAndSendWithContext(dialCtx, m); err != nil {
		return fmt.Errorf("smtp %s: %w", s.redacted, err)
	}
	return nil
}
