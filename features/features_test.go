package features_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/authd/authd/app"
	"github.com/authd/authd/features/steps"
	"github.com/authd/authd/features/suite"
	"github.com/authd/authd/test/harness"
)

// TestFeatures runs the scenarios against the service in-process, once per storage adapter:
// embedded bbolt, and MongoDB over the wire (FerretDB, or AUTHD_TEST_MONGODB_URI). With
// AUTHD_TEST_BASE_URL set it also runs them against that deployment by its URL alone (remote).
// Each run leaves out what its target can't do (the @containers scenarios here, more remotely),
// and at the end the test prints what ran per tag and run.
func TestFeatures(t *testing.T) {
	var report suite.Report
	t.Cleanup(func() { report.Print(os.Stdout) })
	modes := []struct {
		name   string
		config func(testing.TB) app.Config
	}{
		{"embedded", harness.Config},
		{"mongodb", harness.MongoConfig},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			c := mode.config(t)
			c.AdminEmails = suite.AdminEmail
			svc := harness.Start(t, c)
			mailbox := suite.ServerMailbox{Server: svc.Mail}
			// Made as on every target: registered, then verified through its mail.
			admin, err := suite.BootstrapAdmin(context.Background(), svc.URL, mailbox, suite.AdminEmail, suite.AdminPassword)
			if err != nil {
				t.Fatal(err)
			}
			target := steps.Target{
				BaseURL: svc.URL, Admin: admin, Roles: suite.StoreRoles{Users: svc.Users}, Secret: []byte(harness.Secret), Issuer: "authd",
				Mailbox: mailbox, PublicURL: harness.PublicURL, Direct: true,
			}
			report.Add(suite.Run{Name: mode.name, Dir: ".", Target: func() steps.Target { return target }}.Execute(t))
		})
		// The @refresh-grace scenarios need a service that tolerates a just-spent refresh token,
		// which the others (strict reuse detection) must not have: a second service of the store.
		t.Run(mode.name+"+grace", func(t *testing.T) {
			c := mode.config(t)
			c.RefreshGrace = 10 * time.Second
			svc := harness.Start(t, c)
			target := steps.Target{
				BaseURL: svc.URL, Secret: []byte(harness.Secret), Issuer: "authd", RefreshGrace: c.RefreshGrace,
				Mailbox: suite.ServerMailbox{Server: svc.Mail}, PublicURL: harness.PublicURL, Direct: true,
			}
			report.Add(suite.Run{Name: mode.name + "+grace", Dir: ".", Tags: "@refresh-grace", Target: func() steps.Target { return target }}.Execute(t))
		})
	}
	remote, ok, err := suite.RemoteFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Run("remote", func(t *testing.T) {
			target := remote.Target(t)
			report.Add(suite.Run{Name: "remote", Dir: ".", Target: func() steps.Target { return target }, Hints: suite.Hints}.Execute(t))
		})
	}
}
