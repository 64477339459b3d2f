// Package crash kills the embedded-store service with SIGKILL mid-work and checks that every write
// it acknowledged is there after a restart.
package crash

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authd/authd/test/workload"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// newService builds the service binary and returns a service of it on a data directory of its own.
func newService(t *testing.T) *service {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "authd")
	build := exec.Command("go", "build", "-o", bin, "github.com/authd/authd/cmd/authd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return &service{bin: bin, dataDir: filepath.Join(dir, "data"), addr: freeAddr(t)}
}

type service struct {
	bin, dataDir, addr string
	cmd                *exec.Cmd
	log                strings.Builder
}

func (s *service) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command(s.bin)
	s.cmd.Env = append(os.Environ(),
		"AUTHD_HTTP_ADDR="+s.addr, "AUTHD_DATA_DIR="+s.dataDir, "AUTHD_TRUSTED_PROXIES=127.0.0.0/8", "AUTHD_LOG_LEVEL=warn")
	s.cmd.Stderr = &s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + s.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("service did not become ready; log:\n%s", s.log.String())
}

func (s *service) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
}

// TestAcknowledgedWritesSurviveSIGKILL runs clients that register, log in, change passwords and log
// out while the service is killed at several moments, then checks every acknowledged write after a
// restart: the embedded store must open without repair and have lost nothing it answered for.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the service binary")
	}
	svc := newService(t)
	svc.start(t)
	t.Cleanup(func() {
		if svc.cmd.ProcessState == nil {
			svc.kill(t)
		}
	})
	base := "http://" + svc.addr

	ledger := workload.NewLedger()
	stop := ledger.Drive(4, func() string { return base }, func(n int64) string { return fmt.Sprintf("crash%d@example.com", n) })
	for i := range 4 {
		time.Sleep(time.Duration(300+250*i) * time.Millisecond) // a different moment each time
		svc.kill(t)
		svc.start(t)
	}
	time.Sleep(500 * time.Millisecond)
	stop()

	users, logouts := ledger.Counts()
	t.Logf("acknowledged: %d users, %d logouts across 4 kills", users, logouts)
	if err := ledger.Verify(base); err != nil {
		t.Fatal(err)
	}
}
