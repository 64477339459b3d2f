// Package browser checks in headless Chromium that the Swagger UI page at /docs lists the whole API
// and can call it, as a person reading the docs would.
package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authd/authd/adapters/httpapi"
	"github.com/authd/authd/test/harness"
)

// login is Swagger UI's element for POST /api/v1/auth/login: "operations-<tag>-<operationId>".
const login = "#operations-Authentication-login"

// TestSwaggerUI loads /docs from a running service, checks every operation of the OpenAPI document
// is listed, runs "Try it out" on the login, and saves screenshots in the test's artifact directory
// (go test -artifacts). It needs Chromium, so it runs only with AUTHD_BROWSER_TEST=1 (make browser-test).
func TestSwaggerUI(t *testing.T) {
	if os.Getenv("AUTHD_BROWSER_TEST") == "" {
		t.Skip("set AUTHD_BROWSER_TEST=1 to run Swagger UI in headless Chromium (make browser-test)")
	}
	svc := harness.Start(t, harness.Config(t))
	// The login example of the document is this account: "Try it out" as shipped should log in.
	register(t, svc.URL, `{"email": "user@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!", "first_name": "John", "last_name": "Doe"}`)

	ctx := newBrowser(t)
	console := watchConsole(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(svc.URL+"/docs"), chromedp.WaitVisible(chromedp.CSS(login))); err != nil {
		t.Fatalf("load /docs: %v", err)
	}

	listed, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".opblock")].map(e => e.id)`))
	if err != nil {
		t.Fatal(err)
	}
	want := documentedOperations(t)
	slices.Sort(listed)
	if !slices.Equal(listed, want) {
		t.Errorf("the page lists %v\nthe document has %v", listed, want)
	}
	save(t, ctx, "operations.png")

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(login+" .opblock-summary-control")),
		chromedp.Click(chromedp.CSS(login+" .try-out__btn")),
		chromedp.Click(chromedp.CSS(login+" .execute")),
		chromedp.WaitVisible(chromedp.CSS(login+" .live-responses-table tbody .response-col_status")),
	)
	if err != nil {
		t.Fatalf("try out the login: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(login+" .live-responses-table tbody .response-col_status")))
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(login+" .live-responses-table tbody .response-col_description")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(status) != "200" || !strings.Contains(body, `"access_token"`) {
		t.Errorf("Try it out on the login shows status %q and body %q, want 200 with tokens", status, body)
	}
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(login))); err != nil {
		t.Fatal(err)
	}
	save(t, ctx, "try-it-out.png")

	for _, m := range console() {
		t.Errorf("browser console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1)
	}
}

// newBrowser starts Chromium with a fresh profile and no outside network of its own.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			t.Fatalf("no chromium on PATH (apt-get install chromium, or set CHROMIUM): %v", err)
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return ctx
}

// watchConsole collects what the page logs as an error, a CSP violation among them, until the
// returned func is called.
func watchConsole(ctx context.Context) func() []chromedp.ConsoleMessage {
	ctx, stop := context.WithCancel(ctx)
	messages := chromedp.Console(ctx)
	var (
		mu     sync.Mutex
		errors []chromedp.ConsoleMessage
		done   = make(chan struct{})
	)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				errors = append(errors, m)
				mu.Unlock()
			}
		}
	}()
	return func() []chromedp.ConsoleMessage {
		stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return errors
	}
}

// documentedOperations returns the element id Swagger UI gives each operation of the document.
func documentedOperations(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	var ids []string
	for _, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains(methods, method) {
				continue
			}
			var op struct {
				Tags        []string `json:"tags"`
				OperationID string   `json:"operationId"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, "operations-"+op.Tags[0]+"-"+op.OperationID)
		}
	}
	slices.Sort(ids)
	return ids
}

func register(t *testing.T, base, body string) {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/auth/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: status %d", resp.StatusCode)
	}
}

// save writes a PNG of the whole page to the artifact directory.
func save(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG")
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
