package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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

// mailAPI is the base URL of the mail server's messages API as the host reaches it.
func (c *Cluster) mailAPI(ctx context.Context) (string, error) {
	return endpoint(ctx, c.mail, smtpd.HTTPPort, "http")
}

var mailClient = &http.Client{Timeout: 10 * time.Second}

// Messages returns what the mail server received for addr, oldest first.
func (c *Cluster) Messages(ctx context.Context, addr string) ([]smtpd.Message, error) {
	base, err := c.mailAPI(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/messages?to="+url.QueryEscape(addr), nil)
	if err != nil {
		return nil, err
	}
	resp, err := mailClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read the mail server: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read the mail server: status %d", resp.StatusCode)
	}
	var msgs []smtpd.Message
	if err := json.NewDecoder(resp.Body).Decode(&msgs); err != nil {
		return nil, fmt.Errorf("read the mail server: %w", err)
	}
	return msgs, nil
}

// MailDown makes the mail server refuse every message until MailUp.
func (c *Cluster) MailDown(ctx context.Context) error { return c.mailSwitch(ctx, "down") }

// MailUp ends an outage MailDown began.
func (c *Cluster) MailUp(ctx context.Context) error { return c.mailSwitch(ctx, "up") }

func (c *Cluster) mailSwitch(ctx context.Context, state string) error {
	base, err := c.mailAPI(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/"+state, nil)
	if err != nil {
		return err
	}
	resp, err := mailClient.Do(req)
	if err != nil {
		return fmt.Errorf("switch the mail server %s: %w", state, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("switch the mail server %s: status %d", state, resp.StatusCode)
	}
	return nil
}
