package smtpd

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Dockerfile builds the image of cmd/smtpd: the static binary alone, FROM scratch.
//
//go:embed cmd/smtpd/Dockerfile
var Dockerfile string

// Ports of the image: SMTP in clear or with STARTTLS, and the HTTP side.
const (
	SMTPPort = "2525/tcp"
	HTTPPort = "8025/tcp"
)

// BuildContext compiles cmd/smtpd statically for Linux into dir as smtpd, beside its Dockerfile
// as Dockerfile.smtpd, ready for docker build -f Dockerfile.smtpd dir (or testcontainers'
// FromDockerfile{Context: dir, Dockerfile: "Dockerfile.smtpd"}). It runs go build, so it must be
// called from within the module, as a test in its package's folder is.
func BuildContext(ctx context.Context, dir string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.Join(dir, "smtpd"),
		"github.com/authd/authd/test/smtpd/cmd/smtpd")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("smtpd: build: %w\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile.smtpd"), []byte(Dockerfile), 0o644); err != nil {
		return fmt.Errorf("smtpd: %w", err)
	}
	return nil
}
