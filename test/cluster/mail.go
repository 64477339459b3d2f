package cluster

import (
	"context"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/authd/authd/test/smtpd"
)

// PublicURL is what every replica builds its links from.
const PublicURL = "http://authd.test"

// startMailServer starts the test SMTP server (test/smtpd) reachable as "mail" on nw, with its
// messages API published on loopback.
func startMailServer(ctx context.Context, c *Cluster, nw *testcontainers.DockerNetwork) (testcontainers.Container, error) {
	return testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			FromDockerfile:     c.image("smtpd"),
			ExposedPorts:       []string{smtpd.HTTPPort},
			HostConfigModifier: loopbackOnly(smtpd.HTTPPort),
			Networks:           []string{nw.Name},
			NetworkAliases:     map[string][]string{nw.Name: {"mail"}},
			WaitingFor:         wait.ForHTTP("/healthz").WithPort(smtpd.HTTPPort).WithStartupTimeout(time.Minute),
		},
		Started: true,
	})
}

// MailAPI is the base URL of the mail server's messages API as the host reaches it (see
// smtpd.Server.Handler; smtpd.NewRemote reads it). Every replica sends its mail to that server.
func (c *Cluster) MailAPI(ctx context.Context) (string, error) {
	return endpoint(ctx, c.mail, smtpd.HTTPPort, "http")
}
