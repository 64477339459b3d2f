// Package cluster runs authd and its database as real containers for the acceptance suite: images
// built locally FROM scratch with static Go binaries, since no registry can be reached to pull one.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/authd/authd/test/smtpd"
)

// The Dockerfiles of the service's and the database's images; test/smtpd brings the mail server's. Both hold one static binary and nothing else.
const (
	authdDockerfile = `FROM scratch
COPY authd /authd
EXPOSE 8080
ENTRYPOINT ["/authd"]
`
	ferretDockerfile = `FROM scratch
COPY ferretdb /ferretdb
EXPOSE 27017
ENTRYPOINT ["/ferretdb", "--listen", "0.0.0.0:27017", "--data", "/data"]
`
)

// buildContext compiles the service, the FerretDB server and the test mail server statically into dir, beside their
// Dockerfiles, and returns the module root it built from.
func buildContext(ctx context.Context, dir string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	for _, b := range []struct{ out, pkg, dockerfile, content string }{
		{"authd", "./cmd/authd", "Dockerfile.authd", authdDockerfile},
		{"ferretdb", "./test/ferretdb", "Dockerfile.ferretdb", ferretDockerfile},
	} {
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.Join(dir, b.out), b.pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %w\n%s", b.pkg, err, out)
		}
		if err := os.WriteFile(filepath.Join(dir, b.dockerfile), []byte(b.content), 0o644); err != nil {
			return err
		}
	}
	return smtpd.BuildContext(ctx, dir)
}

// moduleRoot finds go.mod upwards from the working directory (a test runs in its package's folder).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// docker runs the docker CLI for what testcontainers has no call for (signals, exit codes, rmi).
func docker(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("docker %v: %w: %s", args, err, out)
	}
	return string(out), nil
}
