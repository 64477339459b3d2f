package browser

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authd/authd/test/harness"
	"github.com/authd/authd/test/smtpd"
)

// TestResetThroughThePage follows the link of a captured reset mail in headless Chromium: the
// page must take the token out of the address bar, send nothing until the form is submitted, and
// then set the password, under the page's strict CSP with nothing logged to the console.
func TestResetThroughThePage(t *testing.T) {
	if os.Getenv("AUTHD_BROWSER_TEST") == "" {
		t.Skip("set AUTHD_BROWSER_TEST=1 to run the reset page in headless Chromium (make browser-test)")
	}
	svc := harness.Start(t, harness.Config(t))
	register(t, svc.URL, `{"email": "reset@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!", "first_name": "Rose", "last_name": "Reset"}`)
	resp, err := http.Post(svc.URL+"/api/v1/auth/forgot-password", "application/json", strings.NewReader(`{"email": "reset@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("forgot-password: status %d", resp.StatusCode)
	}
	wait, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	msg, err := svc.Mail.WaitFor(wait, func(m smtpd.Message) bool { return m.Subject == "Reset your authd password" })
	if err != nil {
		t.Fatalf("no reset mail: %v", err)
	}
	links := msg.Links()
	if len(links) == 0 {
		t.Fatalf("the reset mail has no link:\n%s", msg.Text)
	}
	link, err := url.Parse(links[0])
	if err != nil || link.Scheme+"://"+link.Host != harness.PublicURL || !strings.Contains(link.Fragment, "token=") {
		t.Fatalf("link %q: want %s/…#token=… (%v)", links[0], harness.PublicURL, err)
	}
	// The public URL is a name for the service; the browser reaches it at its real address.
	page := svc.URL + link.Path + "#" + link.Fragment

	ctx := newBrowser(t)
	console := watchConsole(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitEnabled(chromedp.CSS(`button[type=submit]`))); err != nil {
		t.Fatalf("open the link: %v", err)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(href, "token") {
		t.Errorf("the address bar still shows the token: %s", href)
	}
	if loginStatus(t, svc.URL, "SecurePass123!") != http.StatusOK {
		t.Fatal("opening the page changed the password")
	}
	save(t, ctx, "reset-page.png")

	const next = "Brand new pass phrase 7"
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#new_password`), next),
		chromedp.SendKeys(chromedp.CSS(`#confirm_password`), next),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#result.ok`)),
	)
	if err != nil {
		t.Fatalf("submit the new password: %v", err)
	}
	save(t, ctx, "reset-done.png")
	if got := loginStatus(t, svc.URL, next); got != http.StatusOK {
		t.Errorf("login with the password set on the page: status %d", got)
	}
	if got := loginStatus(t, svc.URL, "SecurePass123!"); got != http.StatusUnauthorized {
		t.Errorf("login with the old password after the reset: status %d", got)
	}
	for _, m := range console() {
		t.Errorf("browser console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1)
	}
}

func loginStatus(t *testing.T, base, password string) int {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"email": "reset@example.com", "password": "`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
