// Package harness starts the whole service in-process for tests, on either storage adapter.
package harness

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/authd/authd/app"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/ferret"
	"github.com/authd/authd/test/smtpd"
)

// Secret is the signing key test services share.
const Secret = "test-secret-test-secret-test-secret-0123"

// PublicURL is the public URL test services build their links from; a test follows a link by
// sending its path to the service's real address.
const PublicURL = "http://authd.test"

// Service is a running in-process authd.
type Service struct {
	URL   string
	Users user.Store
	// Mail is the SMTP server the service sends to, when Start started one.
	Mail *smtpd.Server
	stop func()
}

// Config returns the configuration tests run with: loopback on a free port, OWASP argon2 parameters
// (what ships), embedded storage in a temporary directory.
func Config(t testing.TB) app.Config {
	c, err := app.LoadConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatalf("default config: %v", err)
	}
	c.HTTPAddr = "127.0.0.1:0"
	c.DataDir = t.TempDir()
	c.JWTSecret = Secret
	c.ShutdownTimeout = 5 * time.Second
	// The acceptance steps give each scenario its own client address in X-Forwarded-For, so
	// per-address limits apply per scenario, as they would per real client.
	c.TrustedProxies = "127.0.0.0/8,::1"
	// A scenario that takes the mail server down waits for its mail to be retried, not for 5 minutes.
	c.Mail.MaxRetry = 2 * time.Second
	return c
}

// MongoConfig is Config pointed at a fresh database on the test MongoDB (FerretDB unless
// AUTHD_TEST_MONGODB_URI names a server).
func MongoConfig(t testing.TB) app.Config {
	c := Config(t)
	c.MongoURI = ferret.URI(t)
	c.MongoDatabase = ferret.Database(t)
	return c
}

// Start runs the service with c until t ends. Logs go to the test log only when AUTHD_TEST_LOG is set.
// Unless c names a mail server, the service sends its mail to a real SMTP server started for it
// (Service.Mail), and its links start with PublicURL.
func Start(t testing.TB, c app.Config, opts ...fx.Option) *Service {
	var mailSrv *smtpd.Server
	if c.Mail.SMTPURL == "" {
		mailSrv = smtpd.Start(t, smtpd.Options{})
		c.Mail.SMTPURL = "smtp://" + mailSrv.Addr() + "?tls=none"
	}
	if c.Mail.PublicURL == "" {
		c.Mail.PublicURL = PublicURL
	}
	out := io.Discard
	if os.Getenv("AUTHD_TEST_LOG") != "" {
		out = os.Stderr
	}
	var (
		srv   *app.Server
		users user.Store
	)
	fxApp := fxtest.New(t, append(opts, app.ModuleWithLogger(c, slog.New(slog.NewTextHandler(out, nil))), fx.Populate(&srv, &users))...)
	fxApp.RequireStart()
	stop := sync.OnceFunc(func() { stopApp(t, fxApp, c.ShutdownTimeout) })
	t.Cleanup(stop)
	return &Service{URL: srv.URL(), Users: users, Mail: mailSrv, stop: stop}
}

// stopApp stops the service and fails t if it does not stop cleanly within timeout, with every
// goroutine's stack to show what held it.
//
// It first closes the idle connections of http.DefaultTransport, which the suites' clients share.
// http.Server.Shutdown counts a connection that never carried a request (StateNew) as idle only
// after 5 s (net/http's closeIdleConns, golang/go#22682), and parallel requests make the client
// dial such spares: left open, they alone use up a 5 s stop.
func stopApp(t testing.TB, fxApp *fxtest.App, timeout time.Duration) {
	t.Helper()
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Second)
	defer cancel()
	if err := fxApp.Stop(ctx); err != nil {
		buf := make([]byte, 1<<20)
		t.Errorf("the service did not stop cleanly within %s: %v\ngoroutines:\n%s", timeout+time.Second, err, buf[:runtime.Stack(buf, true)])
	}
}

// Stop shuts the service down before t ends, for tests that start it again on the same data.
func (s *Service) Stop() { s.stop() }

// MakeAdmin gives the account at email the admin role straight in the store, as `authd admin
// grant` does.
func (s *Service) MakeAdmin(ctx context.Context, email string) error {
	u, err := s.Users.ByEmail(ctx, email)
	if err != nil {
		return err
	}
	_, err = s.Users.Update(ctx, u.ID, func(u *user.User) error {
		u.Grant(user.RoleAdmin)
		return nil
	})
	return err
}
