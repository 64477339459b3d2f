package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authd/authd/test/harness"
)

func preflight(t *testing.T, base, origin string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodOptions, base+"/api/v1/auth/login", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestCORSAllowsOnlyConfiguredOrigins(t *testing.T) {
	c := harness.Config(t)
	c.CORSOrigins = "https://app.example.com, https://admin.example.com"
	svc := harness.Start(t, c)

	allowed := preflight(t, svc.URL, "https://app.example.com")
	h := allowed.Header
	if allowed.StatusCode/100 != 2 || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("preflight from an allowed origin: %d %v", allowed.StatusCode, h)
	}
	if m := h.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") {
		t.Errorf("Access-Control-Allow-Methods = %q, want POST", m)
	}
	if ah := strings.ToLower(h.Get("Access-Control-Allow-Headers")); !strings.Contains(ah, "authorization") || !strings.Contains(ah, "content-type") {
		t.Errorf("Access-Control-Allow-Headers = %q, want Authorization and Content-Type", ah)
	}
	if h.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("credentialed requests are allowed; bearer tokens never need them")
	}

	denied := preflight(t, svc.URL, "https://evil.example.net")
	if v := denied.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("preflight from another origin got Access-Control-Allow-Origin %q", v)
	}

	req, _ := http.NewRequest(http.MethodGet, svc.URL+"/healthz", nil)
	req.Header.Set("Origin", "https://admin.example.com")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	exposed := resp.Header.Get("Access-Control-Expose-Headers")
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://admin.example.com" ||
		!strings.Contains(exposed, "X-Request-Id") && !strings.Contains(exposed, "X-Request-ID") ||
		!strings.Contains(exposed, "Retry-After") {
		t.Errorf("a simple request from an allowed origin: %v", resp.Header)
	}
}
