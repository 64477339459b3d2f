package smtpd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/test/smtpd"
)

func TestBuildContext(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the command")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := smtpd.BuildContext(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "smtpd")); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("binary: %v", err)
	}
	df, err := os.ReadFile(filepath.Join(dir, "Dockerfile.smtpd"))
	if err != nil || !strings.HasPrefix(strings.TrimLeft(string(df), "# \n"), "The test") || !strings.Contains(string(df), "FROM scratch") {
		t.Fatalf("Dockerfile.smtpd = %q, %v", df, err)
	}
}
