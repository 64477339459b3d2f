package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/authd/authd/features/steps"
)

// AdminEmail is the administrator the suite makes on the services it starts, in-process and in
// containers: they list it in AUTHD_ADMIN_EMAILS, and BootstrapAdmin registers and verifies it.
// Not at example.com, so no scenario's address is ever rewritten to it.
const AdminEmail = "admin@authd.test"

// AdminPassword is the password BootstrapAdmin gives AdminEmail.
const AdminPassword = "Admin-Bootstrap-Pass-123!"

var mailLink = regexp.MustCompile(`https?://[^\s<>"]+`)

// BootstrapAdmin makes an administrator the way a deployment does: it registers email at base,
// follows the verification mail the service sends it (read from mb), and verifies the address,
// which a service listing it in AUTHD_ADMIN_EMAILS answers with the admin role. It then checks the
// role on the admin API, so the scenarios meet a verified administrator on every target.
func BootstrapAdmin(ctx context.Context, base string, mb steps.Mailbox, email, password string) (*steps.Admin, error) {
	base = strings.TrimRight(base, "/")
	c := &http.Client{Timeout: 30 * time.Second}
	post := func(path string, body any, bearer string) (int, []byte, error) {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(b))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		return exchange(c, req, bearer)
	}
	status, data, err := post("/api/v1/auth/register", map[string]string{
		"email": email, "password": password, "confirm_password": password, "first_name": "Site", "last_name": "Admin",
	}, "")
	if err != nil {
		return nil, fmt.Errorf("bootstrap admin: %w", err)
	}
	if status != http.StatusCreated {
		return nil, fmt.Errorf("bootstrap admin: register %s: status %d: %s", email, status, data)
	}
	token, err := verificationToken(ctx, mb, email)
	if err != nil {
		return nil, fmt.Errorf("bootstrap admin: %w", err)
	}
	if status, data, err = post("/api/v1/auth/verify-email", map[string]string{"token": token}, ""); err != nil || status != http.StatusOK {
		return nil, bootstrapFailed("verify "+email, status, data, err)
	}
	status, data, err = post("/api/v1/auth/login", map[string]string{"email": email, "password": password}, "")
	if err != nil || status != http.StatusOK {
		return nil, bootstrapFailed("log in "+email, status, data, err)
	}
	var tok struct {
		Access string `json:"access_token"`
	}
	if err := json.Unmarshal(data, &tok); err != nil {
		return nil, fmt.Errorf("bootstrap admin: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/admin/users?limit=1", nil)
	if err != nil {
		return nil, err
	}
	if status, data, err = exchange(c, req, tok.Access); err != nil || status != http.StatusOK {
		return nil, bootstrapFailed(email+" verified, but the admin API (is it in the service's AUTHD_ADMIN_EMAILS?)", status, data, err)
	}
	return &steps.Admin{Email: email, Password: password}, nil
}

func exchange(c *http.Client, req *http.Request, bearer string) (int, []byte, error) {
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// verificationToken waits for the mail that asks email to confirm its address and returns the
// token of its link.
func verificationToken(ctx context.Context, mb steps.Mailbox, email string) (string, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ms, err := mb.Messages(ctx, email)
		if err != nil {
			return "", err
		}
		for _, m := range ms {
			link := mailLink.FindString(m.Text)
			if !strings.HasPrefix(m.Subject, "Confirm your email address") || link == "" {
				continue
			}
			u, err := url.Parse(link)
			if err != nil {
				return "", err
			}
			token := u.Query().Get("token")
			if frag, err := url.ParseQuery(u.Fragment); err == nil && frag.Get("token") != "" {
				token = frag.Get("token")
			}
			if token != "" {
				return token, nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no verification mail reached %s within 30s", email)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// bootstrapFailed says which step of making the administrator failed: its error, or the answer.
func bootstrapFailed(step string, status int, data []byte, err error) error {
	if err != nil {
		return fmt.Errorf("bootstrap admin: %s: %w", step, err)
	}
	return fmt.Errorf("bootstrap admin: %s: status %d: %s", step, status, data)
}
