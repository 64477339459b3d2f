package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client calls authd's API the way an application would, over keep-alive connections.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client of the service at baseURL (such as http://127.0.0.1:8080) that keeps
// up to conns connections open.
func NewClient(baseURL string, conns int) *Client {
	tr := &http.Transport{
		// Loopback only: a proxy from the environment would measure the proxy.
		Proxy:               nil,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &Client{base: strings.TrimRight(baseURL, "/") + "/api/v1", http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// Close drops the idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Tokens is the pair login and refresh hand out.
type Tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

// Register creates an account.
func (c *Client) Register(ctx context.Context, email, password, first, last string) error {
	body := map[string]string{"email": email, "password": password, "confirm_password": password, "first_name": first, "last_name": last}
	return c.do(ctx, http.MethodPost, "/auth/register", "", body, http.StatusCreated, nil)
}

// Login opens a session.
func (c *Client) Login(ctx context.Context, email, password string) (Tokens, error) {
	var t Tokens
	err := c.do(ctx, http.MethodPost, "/auth/login", "", map[string]string{"email": email, "password": password}, http.StatusOK, &t)
	return t, err
}

// Refresh spends a refresh token for a new pair.
func (c *Client) Refresh(ctx context.Context, refresh string) (Tokens, error) {
	var t Tokens
	err := c.do(ctx, http.MethodPost, "/auth/refresh", "", map[string]string{"refresh_token": refresh}, http.StatusOK, &t)
	if err == nil && t.Refresh == "" {
		err = fmt.Errorf("POST /auth/refresh: no refresh_token in the answer")
	}
	return t, err
}

// Me reads the caller's own profile.
func (c *Client) Me(ctx context.Context, access string) error {
	return c.do(ctx, http.MethodGet, "/users/me", access, nil, http.StatusOK, nil)
}

// UpdateMe sets the caller's bio.
func (c *Client) UpdateMe(ctx context.Context, access, bio string) error {
	return c.do(ctx, http.MethodPut, "/users/me", access, map[string]string{"bio": bio}, http.StatusOK, nil)
}

// User reads someone's public profile.
func (c *Client) User(ctx context.Context, access, id string) error {
	return c.do(ctx, http.MethodGet, "/users/"+id, access, nil, http.StatusOK, nil)
}

// SessionList is the answer of GET /users/me/sessions, as far as the load test reads it.
type SessionList struct {
	Sessions []struct {
		ID      string `json:"id"`
		Current bool   `json:"current"`
	} `json:"sessions"`
}

// Sessions lists the caller's live sessions into out, or only checks the status when out is nil.
func (c *Client) Sessions(ctx context.Context, access string, out *SessionList) error {
	return c.do(ctx, http.MethodGet, "/users/me/sessions", access, nil, http.StatusOK, orNone(out))
}

// EventPage is the answer of GET /users/me/security-events, as far as the load test reads it.
type EventPage struct {
	Events []struct {
		Seq       int64   `json:"seq"`
		Type      string  `json:"type"`
		SessionID *string `json:"session_id"`
	} `json:"events"`
	Next *string `json:"next"`
}

// SecurityEvents reads the newest limit events of the caller's timeline into out, or only checks
// the status when out is nil.
func (c *Client) SecurityEvents(ctx context.Context, access string, limit int, out *EventPage) error {
	return c.do(ctx, http.MethodGet, fmt.Sprintf("/users/me/security-events?limit=%d", limit), access, nil, http.StatusOK, orNone(out))
}

// orNone is out as do takes it: a nil pointer in an interface would be decoded into.
func orNone[T any](out *T) any {
	if out == nil {
		return nil
	}
	return out
}

// Logout ends the caller's session.
func (c *Client) Logout(ctx context.Context, access string) error {
	return c.do(ctx, http.MethodPost, "/auth/logout", access, nil, http.StatusNoContent, nil)
}

// ChangePassword replaces the caller's password.
func (c *Client) ChangePassword(ctx context.Context, access, current, next string) error {
	body := map[string]string{"current_password": current, "new_password": next, "confirm_password": next}
	return c.do(ctx, http.MethodPost, "/auth/change-password", access, body, http.StatusNoContent, nil)
}

// ForgotPassword asks for a link to reset the password of the account at email; the answer is 202
// whether or not there is one.
func (c *Client) ForgotPassword(ctx context.Context, email string) error {
	return c.do(ctx, http.MethodPost, "/auth/forgot-password", "", map[string]string{"email": email}, http.StatusAccepted, nil)
}

// VerifyEmail spends a verification token; the answer must be its account, verified.
func (c *Client) VerifyEmail(ctx context.Context, token string) error {
	var u struct {
		IsVerified bool `json:"is_verified"`
	}
	if err := c.do(ctx, http.MethodPost, "/auth/verify-email", "", map[string]string{"token": token}, http.StatusOK, &u); err != nil {
		return err
	}
	if !u.IsVerified {
		return fmt.Errorf("POST /auth/verify-email: the answer's user is not verified")
	}
	return nil
}

// do sends one request and checks that the status is want; out, when given, receives the JSON answer.
func (c *Client) do(ctx context.Context, method, path, access string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		// Only the start: enough to read the error code, never a flood in the report.
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, route(path), resp.StatusCode, want, bytes.TrimSpace(snippet))
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// route hides ids in paths, so that the same failure on many users reads as one error sample.
func route(path string) string {
	if strings.HasPrefix(path, "/users/") && path != "/users/me" && !strings.HasPrefix(path, "/users/me/") {
		return "/users/{id}"
	}
	return path
}
