package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is authd built once for the tests here, with the VCS stamp a go build gives.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "authd-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "authd")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic("go build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs authd with args and only the given AUTHD_* variables (and a fresh data dir).
func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"AUTHD_DATA_DIR=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exit := (*exec.ExitError)(nil); err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// logLines decodes the JSON log lines of stderr, failing on anything else there.
func logLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("stderr line %q is no log line: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestHelpGoesToStdout(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"audit", "verify", "--help"}, {"audit", "--help"}, {"admin", "--help"}} {
		r := run(t, nil, args...)
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Usage:") || !strings.Contains(r.stdout, "AUTHD_ACCESS_TOKEN_TTL") {
			t.Errorf("authd %s: exit %d, stderr %q, stdout %.80q...; want the usage on stdout, exit 0", strings.Join(args, " "), r.code, r.stderr, r.stdout)
		}
	}
}

func TestUsageErrorsPrintOnceWithAHint(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"--no-such-flag"}, "authd: flag provided but not defined: -no-such-flag"},
		{[]string{"AUTHD_ACCESS_TOKEN_TTL=banana"}, nil, `authd: AUTHD_ACCESS_TOKEN_TTL="banana": want a duration such as 30m`},
		{nil, []string{"--access-token-ttl", "banana"}, `authd: invalid value "banana" for flag -access-token-ttl: want a duration such as 30m`},
		{nil, []string{"stray"}, "authd: unexpected arguments: stray"},
		{[]string{"AUTHD_ACCESS_TOKEN_TTL=banana"}, []string{"audit", "verify"}, `authd audit verify: AUTHD_ACCESS_TOKEN_TTL="banana": want a duration such as 30m`},
		{nil, []string{"audit", "verify", "--bogus"}, "authd audit verify: flag provided but not defined: -bogus"},
		{nil, []string{"audit", "check"}, "authd audit: want the subcommand verify: authd audit verify [flags]"},
		{nil, []string{"audit"}, "authd audit: want the subcommand verify: authd audit verify [flags]"},
		{nil, []string{"admin"}, "authd admin: want authd admin grant EMAIL or authd admin revoke EMAIL [flags]"},
		{nil, []string{"admin", "promote", "a@example.com"}, "authd admin: want authd admin grant EMAIL or authd admin revoke EMAIL [flags]"},
		{nil, []string{"admin", "grant", "nobody"}, `authd admin grant: "nobody" is not an email address: want authd admin grant EMAIL or authd admin revoke EMAIL [flags]`},
		{nil, []string{"admin", "grant", "a@example.com", "--bogus"}, "authd admin grant: flag provided but not defined: -bogus"},
	} {
		r := run(t, tt.env, tt.args...)
		want := tt.want + "\nRun 'authd --help' for the settings.\n"
		if r.code != 2 || r.stdout != "" || r.stderr != want {
			t.Errorf("%v %v: exit %d, stdout %q, stderr\n%s\nwant exit 2 and\n%s", tt.env, tt.args, r.code, r.stdout, r.stderr, want)
		}
	}
}

func TestVersionNamesTheRevision(t *testing.T) {
	t.Parallel()
	info, err := exec.Command("go", "version", "-m", binary).Output()
	if err != nil {
		t.Fatal(err)
	}
	rev := ""
	for _, l := range strings.Split(string(info), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision=") {
			rev = strings.TrimPrefix(f[1], "vcs.revision=")
		}
	}
	r := run(t, nil, "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "authd ") {
		t.Fatalf("--version: exit %d, %q", r.code, r.stdout)
	}
	if rev == "" {
		t.Logf("this build has no VCS stamp (no git checkout?): %s", r.stdout)
		if !strings.Contains(r.stdout, "no VCS revision") {
			t.Errorf("--version %q doesn't say the build has no revision", r.stdout)
		}
	} else if !strings.Contains(r.stdout, "revision "+rev) {
		t.Errorf("--version %q doesn't name the build's revision %s", r.stdout, rev)
	}
}

// TestTakenPortIsOneErrorLine also shows the warning about a misspelt variable at start-up: both
// come before anything listens.
func TestTakenPortIsOneErrorLine(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := run(t, []string{"AUTHD_HTTP_ADDR=" + ln.Addr().String(), "AUTHD_ACESS_TOKEN_TTL=10m", "AUTHD_TEST_MONGODB_URI=x"})
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	var errs, warns []map[string]any
	for _, l := range logLines(t, r.stderr) {
		switch l["level"] {
		case "ERROR":
			errs = append(errs, l)
		case "WARN":
			if l["variable"] != nil {
				warns = append(warns, l)
			}
		}
	}
	want := "http: listen on " + ln.Addr().String() + ": bind: address already in use"
	if len(errs) != 1 || errs[0]["error"] != want {
		t.Errorf("ERROR lines %v, want one with error %q\n%s", errs, want, r.stderr)
	}
	if strings.Contains(r.stderr, "OnStart") || strings.Contains(r.stderr, "rolling back") {
		t.Errorf("fx's own events reach the log at info:\n%s", r.stderr)
	}
	if len(warns) != 1 || warns[0]["variable"] != "AUTHD_ACESS_TOKEN_TTL" || warns[0]["nearest_setting"] != "AUTHD_ACCESS_TOKEN_TTL" {
		t.Errorf("warnings %v, want one naming AUTHD_ACESS_TOKEN_TTL and AUTHD_ACCESS_TOKEN_TTL", warns)
	}
}

func TestAuditVerifyWarnsToo(t *testing.T) {
	t.Parallel()
	r := run(t, []string{"AUTHD_LOGLEVEL=debug"}, "audit", "verify")
	if r.code != 0 || !strings.Contains(r.stdout, "0 broken") {
		t.Errorf("audit verify on an empty store: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, `"variable":"AUTHD_LOGLEVEL","nearest_setting":"AUTHD_LOG_LEVEL"`) {
		t.Errorf("no warning about AUTHD_LOGLEVEL:\n%s", r.stderr)
	}
}

// TestServesUntilSIGTERM: started, it logs where it listens and exits 0 on SIGTERM.
func TestServesUntilSIGTERM(t *testing.T) {
	t.Parallel()
	_, stop := start(t, t.TempDir())
	stop()
}

// start runs the service on dir and returns its base URL once it logs where it listens; stop
// sends SIGTERM and fails t unless it exits 0.
func start(t *testing.T, dir string) (base string, stop func()) {
	t.Helper()
	cmd := exec.Command(binary)
	cmd.Env = []string{"AUTHD_DATA_DIR=" + dir, "AUTHD_HTTP_ADDR=127.0.0.1:0"}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	var mu sync.Mutex
	var logged []string
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logged = append(logged, sc.Text())
			mu.Unlock()
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		base = "http://" + a
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("never logged that it listens")
	}
	return base, func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-read
		if err := cmd.Wait(); err != nil {
			mu.Lock()
			defer mu.Unlock()
			t.Errorf("after SIGTERM: %v; stderr:\n%s", err, strings.Join(logged, "\n"))
		}
	}
}

// send sends body to base+path with an optional bearer token and returns the status and body.
func send(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminGrantAndRevoke: authd admin grant gives an account the admin role in the store, which
// its next login can use; revoke takes it away; both say whether anything changed.
func TestAdminGrantAndRevoke(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const email, password = "ops@example.com", "SecurePass123!"
	base, stop := start(t, dir)
	if code, body := send(t, http.MethodPost, base+"/api/v1/auth/register", "",
		`{"email":"`+email+`","password":"`+password+`","confirm_password":"`+password+`","first_name":"O","last_name":"P"}`); code != http.StatusCreated {
		t.Fatalf("register: %d %s", code, body)
	}
	stop()

	admin := func(env []string, args ...string) result {
		t.Helper()
		cmd := exec.Command(binary, append([]string{"admin"}, args...)...)
		cmd.Env = append([]string{"AUTHD_DATA_DIR=" + dir}, env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if exit := (*exec.ExitError)(nil); err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
	}
	for _, step := range []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"grant", "OPS@example.com"}, 0, "OPS@example.com now holds the admin role\n"},
		{[]string{"grant", email}, 0, email + " already held the admin role\n"},
		{[]string{"grant", "nobody@example.com"}, 1, ""},
	} {
		if r := admin(nil, step.args...); r.code != step.code || r.stdout != step.stdout {
			t.Errorf("authd admin %v: exit %d, stdout %q, stderr %s; want exit %d, stdout %q", step.args, r.code, r.stdout, r.stderr, step.code, step.stdout)
		}
	}

	canList := func() int {
		t.Helper()
		base, stop := start(t, dir)
		defer stop()
		code, body := send(t, http.MethodPost, base+"/api/v1/auth/login", "", `{"email":"`+email+`","password":"`+password+`"}`)
		var pair struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal([]byte(body), &pair); err != nil || code != http.StatusOK {
			t.Fatalf("login: %d %s", code, body)
		}
		code, _ = send(t, http.MethodGet, base+"/api/v1/admin/users", pair.AccessToken, "")
		return code
	}
	if code := canList(); code != http.StatusOK {
		t.Errorf("after grant, GET /api/v1/admin/users: %d, want 200", code)
	}
	if r := admin([]string{"AUTHD_ADMIN_EMAILS=" + email}, "revoke", email); r.code != 1 || !strings.Contains(r.stderr, "AUTHD_ADMIN_EMAILS lists this address") {
		t.Errorf("authd admin revoke of a configured address: exit %d, stderr %s; want exit 1 naming AUTHD_ADMIN_EMAILS", r.code, r.stderr)
	}
	if r := admin(nil, "revoke", email); r.code != 0 || r.stdout != email+" no longer holds the admin role\n" {
		t.Errorf("authd admin revoke: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if r := admin(nil, "revoke", email); r.code != 0 || r.stdout != email+" did not hold the admin role\n" {
		t.Errorf("authd admin revoke again: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if code := canList(); code != http.StatusForbidden {
		t.Errorf("after revoke, GET /api/v1/admin/users: %d, want 403", code)
	}
}
