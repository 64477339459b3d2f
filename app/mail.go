package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/authd/authd/adapters/mailer"
	"github.com/authd/authd/adapters/metrics"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
)

// MailModule delivers the outbox: a courier per replica, sending through SMTP when
// AUTHD_SMTP_URL is set and into the spool directory otherwise.
var MailModule = fx.Module("mail",
	fx.Provide(mail.NewBell),
	fx.Provide(fx.Private, newSender, newMailMetrics, newCourier),
	fx.Invoke(runCourier),
)

func newMailMetrics(reg *prometheus.Registry, outbox mail.Outbox, clk mail.Clock) (*metrics.Mail, error) {
	return metrics.NewMail(reg, outbox.Backlog, clk.Now)
}

// newSender is the SMTP server of AUTHD_SMTP_URL, or the spool in <data-dir>/mail.
func newSender(c Config, clk mail.Clock, log *slog.Logger) (mail.Sender, error) {
	m, err := mailer.New(mailer.Config{
		From: c.Mail.From, Name: c.Mail.Name, Support: c.Mail.Support,
		Links: mailer.Links{
			PublicURL: publicURL(c), ResetURL: c.Mail.ResetURL, VerifyURL: c.Mail.VerifyURL, ConfirmEmailURL: c.Mail.ConfirmEmailURL,
		},
		TemplatesDir: c.Mail.TemplatesDir,
		SMTP: mailer.SMTPConfig{
			URL: c.Mail.SMTPURL, CAFile: c.Mail.SMTPCAFile, DialTimeout: c.Mail.DialTimeout, SendTimeout: c.Mail.SendTimeout,
		},
		SpoolDir: filepath.Join(c.DataDir, "mail"),
		Logger:   log.With("component", "mail"),
		Clock:    clk,
	})
	if err != nil {
		return nil, err
	}
	if c.Mail.SMTPURL != "" {
		log.Info("mail: SMTP", "server", mailer.Redact(c.Mail.SMTPURL))
	} else {
		log.Info("mail: no AUTHD_SMTP_URL; writing mail as .eml files", "dir", filepath.Join(c.DataDir, "mail"))
	}
	return m, nil
}

// publicURL is AUTHD_PUBLIC_URL, or the API's own address when it is unset.
func publicURL(c Config) string {
	if c.Mail.PublicURL != "" {
		return c.Mail.PublicURL
	}
	host, port, err := net.SplitHostPort(c.HTTPAddr)
	if err != nil {
		return "http://" + c.HTTPAddr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// CourierParams is what the courier is built from.
type CourierParams struct {
	fx.In
	Config   Config
	Outbox   mail.Outbox
	Composer *credential.Service
	Sender   mail.Sender
	Clock    mail.Clock
	Bell     *mail.Bell
	Metrics  *metrics.Mail
	Log      *slog.Logger
}

func newCourier(p CourierParams) *mail.Courier {
	return mail.NewCourier(mail.CourierDeps{
		Outbox: p.Outbox, Composer: p.Composer, Sender: p.Sender, Clock: p.Clock, Bell: p.Bell,
		Observer: p.Metrics, Log: p.Log.With("component", "mail"),
		Config: mail.Config{Poll: p.Config.Mail.Poll, Lease: p.Config.Mail.Lease, MaxRetry: p.Config.Mail.MaxRetry},
	})
}

// runCourier delivers mail from start to stop; stopping waits for the message in hand.
func runCourier(lc fx.Lifecycle, c *mail.Courier, log *slog.Logger) {
	runInBackground(lc, func(ctx context.Context) {
		if err := c.Run(ctx); !errors.Is(err, context.Canceled) {
			log.Error("mail courier stopped", "error", err)
		}
	})
}
