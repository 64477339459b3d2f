package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

const (
	sessionsPath = "/api/v1/users/me/sessions"
	revokeOthers = sessionsPath + "/revoke-others"
	noSession    = "Session not found"
	sessionEnded = "The session has ended; log in again"
)

// keepDevice makes a world's sessions keep their client, as AUTHD_SESSION_CLIENT_INFO=on does.
func keepDevice(c *credential.Config) { c.KeepDevice = true }

// tokens are a login's pair.
type tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

// loginPair logs in with the password register gives and returns both tokens, or fails the test.
func (w *world) loginPair(t *testing.T, email string) tokens {
	t.Helper()
	rec := w.send(t, http.MethodPost, "/api/v1/auth/login", "", `{"email":"`+email+`","password":"SecurePass123!"}`)
	var pair tokens
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &pair) != nil {
		t.Fatalf("login %s: %d %s", email, rec.Code, rec.Body)
	}
	return pair
}

// sessions is the list GET /users/me/sessions answers bearer with, or fails the test.
func (w *world) sessions(t *testing.T, bearer string) []sessionView {
	t.Helper()
	rec := w.send(t, http.MethodGet, sessionsPath, bearer, "")
	var got sessionListView
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Sessions == nil {
		t.Fatalf("list sessions: %d %s", rec.Code, rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	return got.Sessions
}

// current is the id of the session bearer is a token of, as its list marks it.
func (w *world) current(t *testing.T, bearer string) string {
	t.Helper()
	for _, s := range w.sessions(t, bearer) {
		if s.Current {
			return s.ID
		}
	}
	t.Fatal("no session in the list is marked current")
	return ""
}

// ids are the ids of list, in its order.
func ids(list []sessionView) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.ID
	}
	return out
}

// wantEnded fails the test unless pair's session has ended: its access token and its refresh token
// are both refused with session_revoked.
func (w *world) wantEnded(t *testing.T, pair tokens) {
	t.Helper()
	wantProblem(t, w.send(t, http.MethodGet, "/api/v1/users/me", pair.Access, ""), http.StatusUnauthorized, "session_revoked", sessionEnded)
	refresh, _ := json.Marshal(map[string]string{"refresh_token": pair.Refresh})
	wantProblem(t, w.send(t, http.MethodPost, "/api/v1/auth/refresh", "", string(refresh)), http.StatusUnauthorized, "session_revoked", sessionEnded)
}

// wantAlive fails the test unless bearer still authenticates.
func (w *world) wantAlive(t *testing.T, bearer string) {
	t.Helper()
	if rec := w.send(t, http.MethodGet, "/api/v1/users/me", bearer, ""); rec.Code != http.StatusOK {
		t.Errorf("a session that should live: %d %s", rec.Code, rec.Body)
	}
}

func str(s string) *string { return &s }

func TestListSessions(t *testing.T) {
	t.Parallel()
	w := newWorld(t, keepDevice)
	wantProblem(t, w.send(t, http.MethodGet, sessionsPath, "", ""), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
	w.ip, w.ua = "192.0.2.77", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	first := w.register(t, "alice@example.com")
	w.register(t, "bob@example.com")
	w.clock.Advance(10 * time.Minute)
	w.ip, w.ua = "[2001:db8:1:2::5]", "" // bracketed: send appends the port
	second := w.login(t, "alice@example.com", "SecurePass123!")
	w.clock.Advance(5 * time.Minute)

	got := w.sessions(t, second)
	want := []sessionView{
		{
			CreatedAt: "2026-05-01T12:10:00Z", LastUsedAt: "2026-05-01T12:15:00Z", ExpiresAt: "2026-05-01T13:10:00Z", Current: true,
			Client: clientView{IP: str("2001:db8:1::")},
		},
		{
			CreatedAt: "2026-05-01T12:00:00Z", LastUsedAt: "2026-05-01T12:00:00Z", ExpiresAt: "2026-05-01T13:00:00Z",
			Client: clientView{IP: str("192.0.2.0"), UserAgent: str("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")},
		},
	}
	if len(got) != len(want) {
		t.Fatalf("%d sessions, want alice's 2, newest first: %+v", len(got), got)
	}
	for i := range want {
		want[i].ID = got[i].ID
		if g, _ := json.Marshal(got[i]); string(g) != string(mustJSON(want[i])) {
			t.Errorf("session %d:\n got %s\nwant %s", i, g, mustJSON(want[i]))
		}
	}
	if got[0].ID == got[1].ID || !user.IsHexID(got[0].ID) || !user.IsHexID(got[1].ID) {
		t.Errorf("ids %v, want two distinct ObjectIds", ids(got))
	}

	// The same list from the first session marks that one, and notes it was used just now.
	again := w.sessions(t, first)
	if order := ids(again); len(order) != 2 || order[0] != got[0].ID || order[1] != got[1].ID || again[0].Current || !again[1].Current {
		t.Errorf("listed from the first session: %+v, want the same order with the first marked current", again)
	}
	if again[1].LastUsedAt != "2026-05-01T12:15:00Z" {
		t.Errorf("the first session's last_used_at %s after it listed, want 2026-05-01T12:15:00Z", again[1].LastUsedAt)
	}
}

// With AUTHD_SESSION_CLIENT_INFO=off a session keeps nothing of its client: both members are null.
func TestListSessionsWithoutClientInfo(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.ua = "curl/8.5.0"
	access := w.register(t, "alice@example.com")
	rec := w.send(t, http.MethodGet, sessionsPath, access, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"current":true,"client":{"ip":null,"user_agent":null}}]}`) {
		t.Errorf("%d %s, want one current session whose client is null and null", rec.Code, rec.Body)
	}
}

func TestEndSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alice := w.register(t, "alice@example.com")
	phone := w.loginPair(t, "alice@example.com")
	w.register(t, "bob@example.com")
	bob := w.loginPair(t, "bob@example.com")
	phoneID, bobID := w.current(t, phone.Access), w.current(t, bob.Access)

	wantProblem(t, w.send(t, http.MethodDelete, sessionsPath+"/"+phoneID, "", ""), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
	for _, id := range []string{"nope", "507F1F77BCF86CD799439011", phoneID + "0", "revoke-other"} {
		rec := w.send(t, http.MethodDelete, sessionsPath+"/"+id, alice, "")
		want := `{"detail":[{"loc":["path","session_id"],"msg":"value is not a valid id: expected 24 hexadecimal characters","type":"value_error"}]}`
		if rec.Code != http.StatusUnprocessableEntity || strings.TrimSpace(rec.Body.String()) != want {
			t.Errorf("DELETE %s: %d %s, want 422 %s", id, rec.Code, rec.Body, want)
		}
		wantRefusedByDocument(t, http.MethodDelete, sessionsPath+"/"+id)
	}
	// The literal path is no session id: the document has no DELETE for it.
	wantProblem(t, w.send(t, http.MethodDelete, revokeOthers, alice, ""), http.StatusMethodNotAllowed, "method_not_allowed", "Method Not Allowed")

	// Another user's session is not found, and goes on: the answer is the one an unknown id gets.
	wantProblem(t, w.send(t, http.MethodDelete, sessionsPath+"/"+bobID, alice, ""), http.StatusNotFound, "session_not_found", noSession)
	wantProblem(t, w.send(t, http.MethodDelete, sessionsPath+"/ffffffffffffffffffffffff", alice, ""), http.StatusNotFound, "session_not_found", noSession)
	w.wantAlive(t, bob.Access)
	if got := ids(w.sessions(t, bob.Access)); len(got) != 2 || got[0] != bobID {
		t.Errorf("bob's sessions %v, want his two with %s", got, bobID)
	}

	rec := w.send(t, http.MethodDelete, sessionsPath+"/"+phoneID, alice, "")
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("end the phone's session: %d %s, want 204 and no body", rec.Code, rec.Body)
	}
	w.wantEnded(t, phone)
	if got := ids(w.sessions(t, alice)); len(got) != 1 || got[0] == phoneID {
		t.Errorf("alice's sessions %v after ending %s, want only the current one", got, phoneID)
	}
	wantProblem(t, w.send(t, http.MethodDelete, sessionsPath+"/"+phoneID, alice, ""), http.StatusNotFound, "session_not_found", noSession)

	// Ending the caller's own session is a logout.
	own := w.current(t, alice)
	if rec := w.send(t, http.MethodDelete, sessionsPath+"/"+own, alice, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("end the current session: %d %s, want 204", rec.Code, rec.Body)
	}
	wantProblem(t, w.send(t, http.MethodGet, sessionsPath, alice, ""), http.StatusUnauthorized, "session_revoked", sessionEnded)
}

func TestEndOtherSessions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	wantProblem(t, w.send(t, http.MethodPost, revokeOthers, "", ""), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
	w.register(t, "alice@example.com")
	here, laptop, phone := w.loginPair(t, "alice@example.com"), w.loginPair(t, "alice@example.com"), w.loginPair(t, "alice@example.com")
	bob := w.register(t, "bob@example.com")
	if n := len(w.sessions(t, here.Access)); n != 4 {
		t.Fatalf("alice has %d sessions, want 4", n)
	}
	w.send(t, http.MethodPost, forgot, "", `{"email":"alice@example.com"}`)
	resetLink := w.link(t, user.NoticeResetPassword, "alice@example.com")
	verifyLink := w.link(t, user.NoticeVerifyEmail, "alice@example.com")

	wantValidation(t, w.send(t, http.MethodPost, revokeOthers, here.Access, `{"all":true}`), "all", typeExtraForbidden)
	unsupported := sendTyped(t, w, revokeOthers, here.Access, "text/plain", "{}")
	wantProblem(t, unsupported, http.StatusUnsupportedMediaType, "unsupported_media_type", "Request body must be JSON (Content-Type: application/json)")
	w.wantAlive(t, laptop.Access) // refused requests ended nothing

	rec := w.send(t, http.MethodPost, revokeOthers, here.Access, "")
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("revoke others: %d %s, want 204 and no body", rec.Code, rec.Body)
	}
	w.wantEnded(t, laptop)
	w.wantEnded(t, phone)
	w.wantAlive(t, here.Access)
	w.wantAlive(t, bob)
	if left := w.sessions(t, here.Access); len(left) != 1 || !left[0].Current {
		t.Errorf("alice's sessions after revoke-others: %+v, want only the caller's", left)
	}
	if rec := w.send(t, http.MethodPost, revokeOthers, here.Access, "{}"); rec.Code != http.StatusNoContent {
		t.Errorf("again, with {}: %d %s, want 204", rec.Code, rec.Body)
	}
	w.wantAlive(t, here.Access)

	// As the document says: a reset link mailed before stops working, a verification link does not.
	reset := `{"token":"` + resetLink + `","new_password":"NewSecurePass123!","confirm_password":"NewSecurePass123!"}`
	wantProblem(t, w.send(t, http.MethodPost, "/api/v1/auth/reset-password", "", reset), http.StatusBadRequest, "invalid_link", badLink)
	if rec := w.send(t, http.MethodPost, verify, "", tokenBody(verifyLink)); rec.Code != http.StatusOK {
		t.Errorf("verify with a link mailed before: %d %s, want 200", rec.Code, rec.Body)
	}

	// Later logins are not affected.
	later := w.login(t, "alice@example.com", "SecurePass123!")
	if n := len(w.sessions(t, later)); n != 2 {
		t.Errorf("%d sessions after a new login, want the kept one and the new one", n)
	}
}

// sendTyped is world.send with a Content-Type of the caller's choosing.
func sendTyped(t *testing.T, w *world, path, bearer, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.RemoteAddr = w.ip + ":40000"
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("Authorization", "Bearer "+bearer)
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	holdToDocument(t, r, body, rec)
	return rec
}

// wantRefusedByDocument fails the test unless the document forbids the request too, so that a
// 422 for it is no drift between the service and the document.
func wantRefusedByDocument(t *testing.T, method, path string) {
	t.Helper()
	doc, err := loadDocument()
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(method, path, nil)
	r.Header.Set("Authorization", "Bearer x")
	route, params, err := doc.router.FindRoute(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err == nil {
		t.Errorf("%s %s: the service answers 422, but the document allows it", method, path)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
