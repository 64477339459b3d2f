package features_test

import (
	"context"
	"os"
	"testing"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"

	"github.com/authd/authd/app"
	"github.com/authd/authd/features/steps"
	"github.com/authd/authd/test/harness"
	"github.com/authd/authd/test/smtpd"
)

// TestFeatures runs every scenario not tagged @containers against the service in-process, once per
// storage adapter: embedded bbolt, and MongoDB over the wire (FerretDB, or AUTHD_TEST_MONGODB_URI).
func TestFeatures(t *testing.T) {
	modes := []struct {
		name   string
		config func(testing.TB) app.Config
	}{
		{"embedded", harness.Config},
		{"mongodb", harness.MongoConfig},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			svc := harness.Start(t, mode.config(t))
			format := "progress"
			if f := os.Getenv("GODOG_FORMAT"); f != "" {
				format = f
			}
			suite := godog.TestSuite{
				Name: mode.name,
				ScenarioInitializer: func(sc *godog.ScenarioContext) {
					steps.Initialize(sc, steps.Target{
						BaseURL: svc.URL, Operator: svc, Secret: []byte(harness.Secret), Issuer: "authd",
						Mailbox: mailbox{svc.Mail}, PublicURL: harness.PublicURL,
					})
				},
				Options: &godog.Options{
					Format:   format,
					Output:   colors.Uncolored(os.Stdout),
					NoColors: true,
					Paths:    []string{"."},
					Tags:     "~@containers",
					Strict:   true,
					TestingT: t,
				},
			}
			if suite.Run() != 0 {
				t.Fatal("acceptance scenarios failed")
			}
		})
	}
}

// mailbox reads the in-process SMTP server for the steps.
type mailbox struct{ srv *smtpd.Server }

func (m mailbox) Messages(_ context.Context, addr string) ([]steps.Mail, error) {
	var out []steps.Mail
	for _, msg := range m.srv.To(addr) {
		out = append(out, steps.Mail{To: addr, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML})
	}
	return out, nil
}

func (m mailbox) Down(context.Context) error { m.srv.Down(); return nil }
func (m mailbox) Up(context.Context) error   { m.srv.Up(); return nil }
