package cluster

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	dockernet "github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/mongodb"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/authd/authd/adapters/mongostore"
	"github.com/authd/authd/core/user"
)

// Secret is the signing key every replica shares.
const Secret = "container-secret-container-secret-0123456789"

// AdminEmail is the address every replica's AUTHD_ADMIN_EMAILS lists: its account gets the admin
// role when its owner verifies it, as in a deployment.
const AdminEmail = "admin@authd.test"

// Cluster is one database container and named authd replicas on a private Docker network.
type Cluster struct {
	dir      string
	suffix   string
	net      *testcontainers.DockerNetwork
	db       testcontainers.Container
	mail     testcontainers.Container
	mu       sync.Mutex
	replicas map[string]testcontainers.Container
}

// Start builds the images, starts the database and replica "A", and removes every container,
// the network and the images when t ends, whether it passed or not.
func Start(t testing.TB) *Cluster {
	t.Helper()
	// Ryuk, testcontainers' reaper, is an image to pull; no registry is reachable, so clean-up is ours.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	// Ports are published on loopback only (see loopbackOnly); inside a container of its own
	// testcontainers would otherwise look for them on the Docker gateway.
	if os.Getenv("TESTCONTAINERS_HOST_OVERRIDE") == "" {
		t.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c := &Cluster{dir: t.TempDir(), suffix: randomSuffix(), replicas: map[string]testcontainers.Container{}}
	t.Cleanup(c.cleanup)
	if err := buildContext(ctx, c.dir); err != nil {
		t.Fatal(err)
	}
	nw, err := network.New(ctx)
	if err != nil {
		t.Fatalf("create network: %v", err)
	}
	c.net = nw
	if c.db, err = startDatabase(ctx, c, nw); err != nil {
		t.Fatalf("start database: %v", err)
	}
	if c.mail, err = startMailServer(ctx, c, nw); err != nil {
		t.Fatalf("start mail server: %v", err)
	}
	if err := c.AddReplica(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	return c
}

// ImageEnv names the environment variable that swaps FerretDB for a real MongoDB image (for
// example mongo:8) on machines that can pull one; everything after start-up is the same code path.
const ImageEnv = "AUTHD_TEST_MONGO_IMAGE"

// startDatabase starts the database reachable as "db" on nw: FerretDB built here, or the image
// ImageEnv names, run by testcontainers' MongoDB module as a single-node replica set.
func startDatabase(ctx context.Context, c *Cluster, nw *testcontainers.DockerNetwork) (testcontainers.Container, error) {
	if img := os.Getenv(ImageEnv); img != "" {
		return mongodb.Run(ctx, img, mongodb.WithReplicaSet("rs0"), network.WithNetwork([]string{"db"}, nw),
			testcontainers.WithHostConfigModifier(loopbackOnly("27017/tcp")))
	}
	return testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			FromDockerfile:     c.image("ferretdb"),
			ExposedPorts:       []string{"27017/tcp"},
			HostConfigModifier: loopbackOnly("27017/tcp"),
			Networks:           []string{nw.Name},
			NetworkAliases:     map[string][]string{nw.Name: {"db"}},
			WaitingFor:         wait.ForListeningPort("27017/tcp").WithStartupTimeout(time.Minute),
		},
		Started: true,
	})
}

func (c *Cluster) image(name string) testcontainers.FromDockerfile {
	return testcontainers.FromDockerfile{
		Context: c.dir, Dockerfile: "Dockerfile." + name, Repo: "authd-test-" + name, Tag: c.suffix, KeepImage: true,
	}
}

// AddReplica starts another authd replica on the shared database.
func (c *Cluster) AddReplica(ctx context.Context, name string) error {
	ctr, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			FromDockerfile:     c.image("authd"),
			ExposedPorts:       []string{"8080/tcp"},
			HostConfigModifier: loopbackOnly("8080/tcp"),
			Networks:           []string{c.net.Name},
			Env: map[string]string{
				"AUTHD_HTTP_ADDR":   "0.0.0.0:8080",
				"AUTHD_MONGODB_URI": "mongodb://db:27017/?directConnection=true",
				// Also the budget of a write losing compare-and-swaps: 25 parallel registrations from one
				// address contend on one throttling document, which FerretDB in a container on a busy
				// machine took over 3 s to settle (503s instead of 429s). The outage scenario's 503
				// still comes within its 10 s.
				"AUTHD_MONGODB_TIMEOUT": "6s",
				"AUTHD_JWT_SECRET":      Secret,
				"AUTHD_ADMIN_EMAILS":    AdminEmail,
				// Long enough to drain the SIGTERM scenario's 30 logins of one account, which take
				// FerretDB (its compare-and-swap on one throttling document) over 10 s on a busy machine.
				"AUTHD_SHUTDOWN_TIMEOUT": "45s",
				"AUTHD_LOG_FORMAT":       "text",
				// The test reaches the replicas through Docker's NAT, from a private address, and names
				// its client address in X-Forwarded-For as the in-process suite does.
				"AUTHD_TRUSTED_PROXIES": "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16",
				// Mail goes to the suite's SMTP container; links start with PublicURL, and a scenario
				// follows one by sending its path to whichever replica it talks to.
				"AUTHD_SMTP_URL":       "smtp://mail:2525?tls=none",
				"AUTHD_PUBLIC_URL":     PublicURL,
				"AUTHD_MAIL_POLL":      "200ms",
				"AUTHD_MAIL_MAX_RETRY": "2s",
				// A replica killed mid-delivery leaves its message leased; short timeouts keep the
				// wait for it within a scenario.
				"AUTHD_SMTP_DIAL_TIMEOUT": "2s",
				"AUTHD_SMTP_SEND_TIMEOUT": "3s",
				"AUTHD_MAIL_LEASE":        "6s",
			},
			WaitingFor: wait.ForHTTP("/healthz").WithPort("8080/tcp").WithStartupTimeout(time.Minute),
		},
		Started: true,
	})
	if err != nil {
		return fmt.Errorf("start replica %s: %w", name, err)
	}
	c.mu.Lock()
	c.replicas[name] = ctr
	c.mu.Unlock()
	return nil
}

func (c *Cluster) replica(name string) (testcontainers.Container, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.replicas[name]
	if !ok {
		return nil, fmt.Errorf("no replica %q", name)
	}
	return r, nil
}

// URL is the base URL of a replica as the host reaches it; it changes when the replica restarts.
func (c *Cluster) URL(ctx context.Context, name string) (string, error) {
	r, err := c.replica(name)
	if err != nil {
		return "", err
	}
	return endpoint(ctx, r, "8080/tcp", "http")
}

func endpoint(ctx context.Context, ctr testcontainers.Container, port, scheme string) (string, error) {
	host, err := ctr.Host(ctx)
	if err != nil {
		return "", err
	}
	p, err := ctr.MappedPort(ctx, port)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s://%s:%d", scheme, host, p.Num()), nil
}

// DatabaseURI is the database as the host reaches it.
func (c *Cluster) DatabaseURI(ctx context.Context) (string, error) {
	return endpoint(ctx, c.db, "27017/tcp", "mongodb")
}

// StopDatabase stops the database container; its data stays for StartDatabase.
func (c *Cluster) StopDatabase(ctx context.Context) error {
	timeout := 10 * time.Second
	return c.db.Stop(ctx, &timeout)
}

// StartDatabase starts the stopped database container again.
func (c *Cluster) StartDatabase(ctx context.Context) error { return c.db.Start(ctx) }

// Restart stops a replica gracefully (SIGTERM) and starts it again.
func (c *Cluster) Restart(ctx context.Context, name string) error {
	r, err := c.replica(name)
	if err != nil {
		return err
	}
	timeout := 15 * time.Second
	if err := r.Stop(ctx, &timeout); err != nil {
		return err
	}
	return r.Start(ctx)
}

// Kill sends SIGKILL to a replica (docker kill) and starts it again.
func (c *Cluster) Kill(ctx context.Context, name string) error {
	r, err := c.replica(name)
	if err != nil {
		return err
	}
	if _, err := docker(ctx, "kill", "--signal", "KILL", r.GetContainerID()); err != nil {
		return err
	}
	if _, err := docker(ctx, "wait", r.GetContainerID()); err != nil {
		return err
	}
	return r.Start(ctx)
}

// Terminate sends SIGTERM to a replica and returns its exit code once it has exited.
func (c *Cluster) Terminate(ctx context.Context, name string) (int, error) {
	r, err := c.replica(name)
	if err != nil {
		return 0, err
	}
	if _, err := docker(ctx, "kill", "--signal", "TERM", r.GetContainerID()); err != nil {
		return 0, err
	}
	out, err := docker(ctx, "wait", r.GetContainerID())
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(out))
}

// Logs returns the last lines of a replica's log.
func (c *Cluster) Logs(ctx context.Context, name string, lines int) (string, error) {
	r, err := c.replica(name)
	if err != nil {
		return "", err
	}
	return docker(ctx, "logs", "--tail", strconv.Itoa(lines), r.GetContainerID())
}

// Start starts a stopped replica again.
func (c *Cluster) Start(ctx context.Context, name string) error {
	r, err := c.replica(name)
	if err != nil {
		return err
	}
	return r.Start(ctx)
}

// GrantAdmin gives the account at email the admin role straight in the database, as `authd admin
// grant` does.
func (c *Cluster) GrantAdmin(ctx context.Context, email string) error {
	return c.update(ctx, email, func(u *user.User) { u.Grant(user.RoleAdmin) })
}

// RevokeAdmin takes the admin role from the account at email straight in the database, as
// `authd admin revoke` does.
func (c *Cluster) RevokeAdmin(ctx context.Context, email string) error {
	return c.update(ctx, email, func(u *user.User) { u.Revoke(user.RoleAdmin) })
}

func (c *Cluster) update(ctx context.Context, email string, change func(*user.User)) error {
	uri, err := c.DatabaseURI(ctx)
	if err != nil {
		return err
	}
	s, err := mongostore.Connect(ctx, mongostore.Config{URI: uri + "/?directConnection=true", Database: "authd"})
	if err != nil {
		return err
	}
	defer s.Close(context.WithoutCancel(ctx))
	u, err := s.Users().ByEmail(ctx, email)
	if err != nil {
		return err
	}
	_, err = s.Users().Update(ctx, u.ID, func(u *user.User) error { change(u); return nil })
	return err
}

// cleanup removes everything Start created; it runs also after a failed test.
func (c *Cluster) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c.mu.Lock()
	ctrs := []testcontainers.Container{c.db, c.mail}
	for _, r := range c.replicas {
		ctrs = append(ctrs, r)
	}
	c.mu.Unlock()
	for _, ctr := range ctrs {
		if ctr != nil {
			_ = testcontainers.TerminateContainer(ctr)
		}
	}
	if c.net != nil {
		_ = c.net.Remove(ctx)
	}
	for _, name := range []string{"authd", "ferretdb", "smtpd"} {
		_, _ = docker(ctx, "rmi", "--force", "authd-test-"+name+":"+c.suffix)
	}
}

// loopbackOnly publishes port on 127.0.0.1 alone. Docker 20.10 publishes IPv4 and IPv6 on different
// host ports, and testcontainers reports whichever comes first; one binding leaves no doubt, and
// keeps the test containers unreachable from anywhere but this machine.
func loopbackOnly(port string) func(*container.HostConfig) {
	return func(hc *container.HostConfig) {
		hc.PortBindings = dockernet.PortMap{
			dockernet.MustParsePort(port): {{HostIP: netip.MustParseAddr("127.0.0.1")}},
		}
	}
}
