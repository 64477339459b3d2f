// Package containers runs the acceptance features against authd and its database as containers.
package containers

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"

	"github.com/authd/authd/features/steps"
	"github.com/authd/authd/test/cluster"
)

// TestFeaturesInContainers runs every feature file, the @containers scenarios included, against a
// containerised authd on a containerised FerretDB. Without Docker it skips, except under CI=true,
// where a missing engine must fail the run rather than let it pass untested.
func TestFeaturesInContainers(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but no Docker engine answers: the container suite can't run: %v", err)
		}
		t.Skip("no Docker engine: container suite not run")
	}
	c := cluster.Start(t)
	format := "progress"
	if f := os.Getenv("GODOG_FORMAT"); f != "" {
		format = f
	}
	suite := godog.TestSuite{
		Name: "containers",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			// Asked per scenario: replica A's published port changes when a scenario restarts it.
			base, err := c.URL(context.Background(), "A")
			if err != nil {
				t.Fatal(err)
			}
			steps.Initialize(sc, steps.Target{
				BaseURL: base, Operator: c, Secret: []byte(cluster.Secret), Issuer: "authd", Cluster: c,
				Mailbox: mailbox{c}, PublicURL: cluster.PublicURL,
			})
		},
		Options: &godog.Options{
			Format:   format,
			Output:   colors.Uncolored(os.Stdout),
			NoColors: true,
			Paths:    []string{"../../features"},
			Tags:     os.Getenv("GODOG_TAGS"),
			Strict:   true,
			TestingT: t,
		},
	}
	if suite.Run() != 0 {
		t.Fatal("acceptance scenarios failed in containers")
	}
}

// mailbox reads the mail server container for the steps.
type mailbox struct{ c *cluster.Cluster }

func (m mailbox) Messages(ctx context.Context, addr string) ([]steps.Mail, error) {
	msgs, err := m.c.Messages(ctx, addr)
	if err != nil {
		return nil, err
	}
	out := make([]steps.Mail, len(msgs))
	for i, msg := range msgs {
		out[i] = steps.Mail{To: addr, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML}
	}
	return out, nil
}

func (m mailbox) Down(ctx context.Context) error { return m.c.MailDown(ctx) }
func (m mailbox) Up(ctx context.Context) error   { return m.c.MailUp(ctx) }
