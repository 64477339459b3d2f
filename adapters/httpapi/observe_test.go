package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/storage"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/fake"
)

// recording is a Metrics that keeps everything it is told.
type recording struct {
	mu       sync.Mutex
	requests []string
	logins   []string
	reused   int
	bodies   []string
	// inFlight is the running sum InFlight was given; inFlightSeen what it was as each request began.
	inFlight     int
	inFlightSeen []int
}

func (m *recording) InFlight(delta int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight += delta
	if delta > 0 {
		m.inFlightSeen = append(m.inFlightSeen, m.inFlight)
	}
}

func (m *recording) Request(route, method string, status int, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests = append(m.requests, fmt.Sprintf("%s %s %d", method, route, status))
}

func (m *recording) Login(outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.logins = append(m.logins, outcome)
}

func (m *recording) RefreshReused() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reused++
}

func (m *recording) MalformedBody(reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bodies = append(m.bodies, reason)
}

func testAPI(t *testing.T, o Options) http.Handler {
	t.Helper()
	users := fake.NewUsers()
	clk := fake.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	creds := credential.NewService(credential.Deps{
		Users: users, Sessions: fake.NewSessions(users), Hasher: &fake.Hasher{}, Policy: credential.NewPolicy(fake.Meter{}),
		Throttle: throttle.New(fake.NewAttempts(), clk, throttle.Config{LoginMaxFailures: 2, LoginWindow: time.Hour}),
		Tokens:   fake.Tokens{}, Clock: clk, IDs: &fake.IDs{},
		Config: credential.Config{AccessTTL: time.Minute, RefreshTTL: time.Hour},
	})
	o.Credentials, o.Users = creds, user.NewService(users)
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	o.Ready = func(context.Context) error { return nil }
	return New(o)
}

func call(t *testing.T, h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestMetricsObserveRoutesAndLogins(t *testing.T) {
	t.Parallel()
	m := &recording{}
	h := testAPI(t, Options{Metrics: m})
	register := `{"email":"a@example.com","password":"SecurePass123!","confirm_password":"SecurePass123!","first_name":"A","last_name":"B"}`
	if w := call(t, h, http.MethodPost, "/api/v1/auth/register", register); w.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	login := func(pw string) *httptest.ResponseRecorder {
		return call(t, h, http.MethodPost, "/api/v1/auth/login", `{"email":"a@example.com","password":"`+pw+`"}`)
	}
	ok := login("SecurePass123!")
	var pair struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(ok.Body.Bytes(), &pair); err != nil || ok.Code != http.StatusOK {
		t.Fatalf("login: %d %s", ok.Code, ok.Body)
	}
	login("WrongPass123!")
	login("WrongPass123!")
	login("WrongPass123!") // the account is locked out by now
	call(t, h, http.MethodPost, "/api/v1/auth/login", `{"email":"a@example.com"}`)
	refresh := `{"refresh_token":"` + pair.RefreshToken + `"}`
	call(t, h, http.MethodPost, "/api/v1/auth/refresh", refresh)
	call(t, h, http.MethodPost, "/api/v1/auth/refresh", refresh)
	call(t, h, http.MethodGet, "/api/v1/users/65f1c0ffee0123456789abcd", "")
	call(t, h, "BREW", "/no/such/path/for/a/user@example.com", "")

	m.mu.Lock()
	defer m.mu.Unlock()
	if got, want := strings.Join(m.logins, ","), "success,bad_credentials,bad_credentials,throttled"; got != want {
		t.Errorf("login outcomes = %s, want %s (the 422 is no attempt)", got, want)
	}
	if m.reused != 1 {
		t.Errorf("reuse detections = %d, want 1", m.reused)
	}
	want := []string{
		"POST /api/v1/auth/register 201", "POST /api/v1/auth/login 200", "POST /api/v1/auth/login 401",
		"POST /api/v1/auth/login 401", "POST /api/v1/auth/login 429", "POST /api/v1/auth/login 422",
		"POST /api/v1/auth/refresh 200", "POST /api/v1/auth/refresh 401",
		"GET /api/v1/users/{user_id} 401", "other unmatched 404",
	}
	if strings.Join(m.requests, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests =\n%s\nwant\n%s", strings.Join(m.requests, "\n"), strings.Join(want, "\n"))
	}
}

func TestMetricsCountRequestsInFlight(t *testing.T) {
	t.Parallel()
	m := &recording{}
	var during int
	scrape := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		during = m.inFlight
	})
	h := testAPI(t, Options{Metrics: m, MetricsHandler: scrape})
	call(t, h, http.MethodGet, "/metrics", "")
	call(t, h, "BREW", "/nowhere", "")
	m.mu.Lock()
	defer m.mu.Unlock()
	if during != 1 {
		t.Errorf("in flight while the scrape was served = %d, want 1 (itself)", during)
	}
	if m.inFlight != 0 || len(m.inFlightSeen) != 2 {
		t.Errorf("after two answered requests: in flight %d, begun %d; want 0 and 2", m.inFlight, len(m.inFlightSeen))
	}
}

func TestMetricsHandlerIsRoutedOnlyWhenGiven(t *testing.T) {
	t.Parallel()
	served := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "# metrics\n") })
	if w := call(t, testAPI(t, Options{MetricsHandler: served}), http.MethodGet, "/metrics", ""); w.Code != http.StatusOK || w.Body.String() != "# metrics\n" {
		t.Errorf("with a handler: %d %q", w.Code, w.Body)
	}
	if w := call(t, testAPI(t, Options{}), http.MethodGet, "/metrics", ""); w.Code != http.StatusNotFound {
		t.Errorf("without a handler: %d, want 404", w.Code)
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	w := call(t, testAPI(t, Options{}), http.MethodGet, "/.well-known/jwks.json", "")
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"keys":[]}` {
		t.Errorf("without keys: %d %s, want an empty set", w.Code, w.Body)
	}
	set := map[string]any{"keys": []map[string]string{{"kty": "OKP", "kid": "k1"}}}
	w = call(t, testAPI(t, Options{JWKS: set}), http.MethodGet, "/.well-known/jwks.json", "")
	if !strings.Contains(w.Body.String(), `"kid":"k1"`) || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("with keys: %s %v", w.Body, w.Header())
	}
	if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age") || w.Header().Get("Pragma") != "" {
		t.Errorf("public keys should be cacheable: Cache-Control %q, Pragma %q", cc, w.Header().Get("Pragma"))
	}
}

func TestLoginOutcome(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, "success"},
		{fmt.Errorf("login: %w", credential.ErrInvalidCredentials), "bad_credentials"},
		{&throttle.ThrottledError{RetryAfter: time.Minute}, "throttled"},
		{credential.ErrInactive, "inactive"},
		{credential.ErrResetRequired, "reset_required"},
		{storage.ErrUnavailable, "error"},
		{errors.New("boom"), "error"},
		{&user.ValidationError{Field: "email"}, ""},
		{user.ValidationErrors{{Field: "email"}}, ""},
	} {
		got, ok := loginOutcome(tt.err)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("loginOutcome(%v) = %q, %v, want %q", tt.err, got, ok, tt.want)
		}
	}
	for m, want := range map[string]string{"GET": "GET", "PUT": "PUT", "BREW": "other", "get": "other"} {
		if got := methodLabel(m); got != want {
			t.Errorf("methodLabel(%q) = %q, want %q", m, got, want)
		}
	}
}
