package suite

import (
	"context"

	"github.com/authd/authd/features/steps"
	"github.com/authd/authd/test/smtpd"
)

// ServerMailbox reads an SMTP server the suite runs in its own process.
type ServerMailbox struct{ Server *smtpd.Server }

// Messages returns what the server took for addr.
func (m ServerMailbox) Messages(_ context.Context, addr string) ([]steps.Mail, error) {
	return mails(addr, m.Server.To(addr)), nil
}

// Down makes the server refuse mail.
func (m ServerMailbox) Down(context.Context) error { m.Server.Down(); return nil }

// Up makes it take mail again.
func (m ServerMailbox) Up(context.Context) error { m.Server.Up(); return nil }

// APIMailbox reads a test SMTP server run elsewhere (cmd/smtpd, a container) through its HTTP side.
type APIMailbox struct{ Server *smtpd.Remote }

// Messages returns what the server took for addr.
func (m APIMailbox) Messages(ctx context.Context, addr string) ([]steps.Mail, error) {
	msgs, err := m.Server.To(ctx, addr)
	return mails(addr, msgs), err
}

// Down makes the server refuse mail.
func (m APIMailbox) Down(ctx context.Context) error { return m.Server.Down(ctx) }

// Up makes it take mail again.
func (m APIMailbox) Up(ctx context.Context) error { return m.Server.Up(ctx) }

func mails(addr string, msgs []smtpd.Message) []steps.Mail {
	out := make([]steps.Mail, len(msgs))
	for i, m := range msgs {
		out[i] = steps.Mail{To: addr, Subject: m.Subject, Text: m.Text, HTML: m.HTML}
	}
	return out
}
