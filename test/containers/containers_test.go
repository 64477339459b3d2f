// Package containers runs the acceptance features against authd and its database as containers.
package containers

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/authd/authd/features/steps"
	"github.com/authd/authd/features/suite"
	"github.com/authd/authd/test/cluster"
	"github.com/authd/authd/test/smtpd"
)

// TestFeaturesInContainers runs every feature file against a containerised authd on a
// containerised FerretDB, each scenario once, in two runs. The first is the suite's remote mode,
// the one a QA engineer points at a staging deployment: it knows replica A by its URL alone, and
// the mail server's messages API. The second runs what the first had to leave out with everything
// the suite controls: the containers, the database, the signing key.
// Without Docker it skips, except under CI=true, where a missing engine must fail the run rather
// than let it pass untested.
func TestFeaturesInContainers(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but no Docker engine answers: the container suite can't run: %v", err)
		}
		t.Skip("no Docker engine: container suite not run")
	}
	c := cluster.Start(t)
	ctx := context.Background()
	base, err := c.URL(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	mailAPI, err := c.MailAPI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var report suite.Report
	t.Cleanup(func() { report.Print(os.Stdout) })
	mailbox := suite.APIMailbox{Server: smtpd.NewRemote(mailAPI)}
	// The replicas list cluster.AdminEmail in AUTHD_ADMIN_EMAILS; its account is made as the
	// in-process suite makes its own, and both runs log in to it as a remote run would.
	admin, err := suite.BootstrapAdmin(ctx, base, mailbox, cluster.AdminEmail, suite.AdminPassword)
	if err != nil {
		t.Fatal(err)
	}

	// Direct: the URL is replica A's own port; the replicas trust the suite's X-Forwarded-For.
	remote := suite.Remote{BaseURL: base, PublicURL: cluster.PublicURL, MailAPI: mailAPI, Direct: true, Admin: admin}
	remoteTarget := remote.Target(t)
	t.Run("remote", func(t *testing.T) {
		report.Add(suite.Run{
			Name: "containers by URL", Dir: "../../features", Hints: suite.Hints,
			Target: func() steps.Target { return remoteTarget },
		}.Execute(t))
	})

	var left []string
	for _, n := range steps.Lacks(remoteTarget) {
		left = append(left, n.Tag)
	}
	t.Run("cluster", func(t *testing.T) {
		report.Add(suite.Run{
			Name: "containers", Dir: "../../features", Tags: strings.Join(left, ","),
			Target: func() steps.Target {
				// Asked per scenario: replica A's published port changes when a scenario restarts it.
				base, err := c.URL(ctx, "A")
				if err != nil {
					t.Fatal(err)
				}
				return steps.Target{
					BaseURL: base, Admin: admin, Roles: c, Secret: []byte(cluster.Secret), Issuer: "authd", Cluster: c,
					Mailbox: mailbox, PublicURL: cluster.PublicURL, Direct: true,
				}
			},
		}.Execute(t))
	})
}
