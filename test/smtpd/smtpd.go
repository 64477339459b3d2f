// Package smtpd is a real SMTP server for tests (github.com/emersion/go-smtp): it listens on
// loopback, optionally with STARTTLS or implicit TLS on a certificate made in memory and with
// AUTH PLAIN, keeps every message it takes, decoded, for the test to read, and can play an outage.
// Its command, cmd/smtpd, serves the same over HTTP for tests that run it as a container.
package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options says how a Server listens and whom it lets in.
type Options struct {
	// Addr to listen on; 127.0.0.1:0 (a free port) when empty.
	Addr string
	// STARTTLS offers STARTTLS with a self-signed certificate (see CAPEM).
	STARTTLS bool
	// ImplicitTLS speaks TLS from the first byte, as on port 465 (smtps://).
	ImplicitTLS bool
	// Hostnames the certificate is valid for besides localhost, 127.0.0.1 and ::1; the first is
	// also the name the server greets with.
	Hostnames []string
	// Username and Password, when set, are the only AUTH PLAIN credentials accepted, and
	// authenticating is required before MAIL FROM.
	Username, Password string
}

// Server is a running SMTP server that keeps what it is sent.
type Server struct {
	opts  Options
	srv   *smtp.Server
	ln    net.Listener
	caPEM []byte
	down  atomic.Bool
	done  chan struct{}

	mu      sync.Mutex
	msgs    []Message
	changed chan struct{} // closed and replaced whenever msgs changes
}

// Listen starts a server with o.
func Listen(o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	s := &Server{opts: o, done: make(chan struct{}), changed: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	if len(o.Hostnames) > 0 {
		srv.Domain = o.Hostnames[0]
	}
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	// Lets a test see that its client refuses to authenticate in clear, rather than the server.
	srv.AllowInsecureAuth = true
	srv.ErrorLog = discardLogger{}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtpd: %w", err)
	}
	if o.STARTTLS || o.ImplicitTLS {
		cert, pem, err := selfSigned(o.Hostnames)
		if err != nil {
			_ = ln.Close()
			return nil, err
		}
		s.caPEM = pem
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if o.ImplicitTLS {
			ln = tls.NewListener(ln, cfg)
		} else {
			srv.TLSConfig = cfg
		}
	}
	s.srv, s.ln = srv, ln
	go func() {
		defer close(s.done)
		_ = srv.Serve(&outageListener{Listener: ln, s: s})
	}()
	return s, nil
}

// Start starts a server with o and closes it when t ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := Listen(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// CAPEM is the PEM certificate a client must trust to reach the server over TLS; nil without TLS.
func (s *Server) CAPEM() []byte { return s.caPEM }

// Close stops listening and drops every connection.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Down plays an outage: new connections are greeted with 421 and closed, and sessions already
// open get 421 for their next MAIL, RCPT or DATA.
func (s *Server) Down() { s.down.Store(true) }

// Up ends the outage Down began.
func (s *Server) Up() { s.down.Store(false) }

// IsDown reports whether the server is playing an outage.
func (s *Server) IsDown() bool { return s.down.Load() }

// Messages returns every message taken since the start or the last Reset, in the order taken.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// To returns the messages with addr among their envelope recipients, compared without case.
func (s *Server) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// Reset forgets every message taken so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = nil
	close(s.changed)
	s.changed = make(chan struct{})
}

// Wait returns the messages to addr once there are at least n, or what there is and an error
// when ctx ends first.
func (s *Server) Wait(ctx context.Context, addr string, n int) ([]Message, error) {
	for {
		ch := s.watch()
		msgs := s.To(addr)
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return msgs, fmt.Errorf("smtpd: %d of %d messages to %s: %w", len(msgs), n, addr, ctx.Err())
		}
	}
}

// WaitFor returns the first message taken for which match holds, waiting for it until ctx ends.
func (s *Server) WaitFor(ctx context.Context, match func(Message) bool) (Message, error) {
	for {
		ch := s.watch()
		for _, m := range s.Messages() {
			if match(m) {
				return m, nil
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("smtpd: no message matched: %w", ctx.Err())
		}
	}
}

func (s *Server) watch() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func (s *Server) keep(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

var errDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service not available (test outage)"}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	if s.down.Load() {
		return nil, errDown
	}
	_, isTLS := c.TLSConnectionState()
	return &session{s: s, tls: isTLS}, nil
}

// session is one client's conversation.
type session struct {
	s    *Server
	tls  bool
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.opts.Username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) check() error {
	if ss.s.down.Load() {
		return errDown
	}
	if ss.s.opts.Username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if err := ss.check(); err != nil {
		return err
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.check(); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.check(); err != nil {
		return err
	}
	m := Message{From: ss.from, To: ss.to, User: ss.user, TLS: ss.tls, ReceivedAt: time.Now().UTC(), Raw: string(raw)}
	m.parse()
	ss.s.keep(m)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// outageListener greets a connection with 421 and closes it while the server is down, as a mail
// server going away for maintenance does.
type outageListener struct {
	net.Listener
	s *Server
}

func (l *outageListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.s.down.Load() {
			return c, err
		}
		go func() {
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_, _ = io.WriteString(c, "421 4.3.2 Service not available (test outage)\r\n")
			_ = c.Close()
		}()
	}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}
