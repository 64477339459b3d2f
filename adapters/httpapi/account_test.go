package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

const (
	mePath     = "/api/v1/users/me"
	exportPath = "/api/v1/users/me/export"
)

// exported is GET /users/me/export as a test reads it.
type exported struct {
	ExportedAt   string            `json:"exported_at"`
	User         map[string]any    `json:"user"`
	Sessions     []sessionView     `json:"sessions"`
	Events       []eventView       `json:"security_events"`
	Checkpoint   *checkpointView   `json:"timeline_checkpoint"`
	PendingEmail *pendingEmailView `json:"pending_email_change"`
}

func (w *world) export(t *testing.T, bearer string) exported {
	t.Helper()
	rec := w.send(t, http.MethodGet, exportPath, bearer, "")
	var x exported
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &x) != nil {
		t.Fatalf("export: %d %s", rec.Code, rec.Body)
	}
	if got, want := rec.Header().Get("Content-Disposition"), `attachment; filename="authd-export-`+w.userID(t, bearer)+`.json"`; got != want {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if strings.Contains(rec.Body.String(), "fake$") || strings.Contains(rec.Body.String(), "token") {
		t.Errorf("the export shows password material or tokens: %s", rec.Body)
	}
	return x
}

// sendTypedAs is world.send with a method and a Content-Type of the caller's choosing.
func sendTypedAs(t *testing.T, w *world, method, path, bearer, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = w.ip + ":40000"
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("Authorization", "Bearer "+bearer)
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	holdToDocument(t, r, body, rec)
	return rec
}

func TestDeleteMe(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	wantProblem(t, w.send(t, http.MethodDelete, mePath, "", `{"current_password":"SecurePass123!"}`), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
	alice := w.register(t, "alice@example.com")
	other := w.loginPair(t, "alice@example.com")
	bob := w.register(t, "bob@example.com")

	// The body is read as change-password's is: the same 422s, the same 400 for a wrong password.
	wantValidation(t, w.send(t, http.MethodDelete, mePath, alice, `{}`), "current_password", typeMissing)
	wantValidation(t, w.send(t, http.MethodDelete, mePath, alice, `{"current_password":"SecurePass123!","confirm":true}`), "confirm", typeExtraForbidden)
	wantValidation(t, w.send(t, http.MethodDelete, mePath, alice, `{"current_password":1}`), "current_password", typeStringType)
	wantValidation(t, w.send(t, http.MethodDelete, mePath, alice, `{"current_password":"`+strings.Repeat("x", credential.MaxPasswordLen+1)+`"}`), "current_password", typeStringTooLong)
	unsupported := sendTypedAs(t, w, http.MethodDelete, mePath, alice, "text/plain", `{"current_password":"SecurePass123!"}`)
	wantProblem(t, unsupported, http.StatusUnsupportedMediaType, "unsupported_media_type", "Request body must be JSON (Content-Type: application/json)")
	wrongDelete := w.send(t, http.MethodDelete, mePath, alice, `{"current_password":"not the password"}`)
	wrongChange := w.send(t, http.MethodPost, "/api/v1/auth/change-password", alice,
		`{"current_password":"not the password","new_password":"NewSecurePass123!","confirm_password":"NewSecurePass123!"}`)
	if wrongDelete.Code != http.StatusBadRequest || wrongDelete.Code != wrongChange.Code || wrongDelete.Body.String() != wrongChange.Body.String() {
		t.Errorf("a wrong password: %d %s; change-password's: %d %s; want the same 400", wrongDelete.Code, wrongDelete.Body, wrongChange.Code, wrongChange.Body)
	}
	wantProblem(t, wrongDelete, http.StatusBadRequest, "wrong_password", "Current password is incorrect")
	w.wantAlive(t, alice)

	rec := w.send(t, http.MethodDelete, mePath, alice, `{"current_password":"SecurePass123!"}`)
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("delete: %d %s, want 204 and no body", rec.Code, rec.Body)
	}
	for _, access := range []string{alice, other.Access} {
		if rec := w.send(t, http.MethodGet, mePath, access, ""); rec.Code != http.StatusUnauthorized {
			t.Errorf("a token of the deleted account: %d %s, want 401", rec.Code, rec.Body)
		}
	}
	wantProblem(t, w.send(t, http.MethodPost, "/api/v1/auth/login", "", `{"email":"alice@example.com","password":"SecurePass123!"}`),
		http.StatusUnauthorized, "invalid_credentials", "Incorrect email or password")
	w.wantAlive(t, bob)
	again := w.register(t, "alice@example.com")
	if w.userID(t, again) == "" || len(w.events(t, again, "").Events) != 2 {
		t.Error("the address registered again is a new account with a timeline of its own")
	}
}

// Wrong passwords at deletion count towards the login lockout.
func TestDeleteMeIsThrottled(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alice := w.register(t, "alice@example.com")
	for range 5 {
		w.send(t, http.MethodDelete, mePath, alice, `{"current_password":"not the password"}`)
	}
	wantThrottled(t, w.send(t, http.MethodDelete, mePath, alice, `{"current_password":"SecurePass123!"}`))
	w.wantAlive(t, alice)
}

func TestExportMe(t *testing.T) {
	t.Parallel()
	w := newWorld(t, keepDevice, func(c *credential.Config) { c.ExportMaxPerHour = 3 })
	wantProblem(t, w.send(t, http.MethodGet, exportPath, "", ""), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
	alice := w.register(t, "alice@example.com")
	w.loginPair(t, "alice@example.com")
	w.register(t, "bob@example.com")
	w.changePassword(t, alice)

	x := w.export(t, alice)
	if x.ExportedAt != "2026-05-01T12:00:00Z" || x.PendingEmail != nil || x.Checkpoint != nil {
		t.Errorf("export: at %s, pending %+v, checkpoint %+v; want 12:00 and both null", x.ExportedAt, x.PendingEmail, x.Checkpoint)
	}
	var admin map[string]any
	_ = json.Unmarshal(w.send(t, http.MethodGet, mePath, alice, "").Body.Bytes(), &admin)
	admin["roles"], admin["password_reset_required"] = []any{}, false
	if got, want := mustJSON(x.User), mustJSON(admin); string(got) != string(want) {
		t.Errorf("the export's user:\n got %s\nwant %s", got, want)
	}
	if got, want := mustJSON(x.Sessions), mustJSON(w.sessions(t, alice)); string(got) != string(want) {
		t.Errorf("the export's sessions:\n got %s\nwant %s", got, want)
	}
	// The timeline, oldest first, is the one the events operation pages newest first, the export included.
	page := w.events(t, alice, "?limit=100").Events
	slices.Reverse(page)
	if got, want := mustJSON(x.Events), mustJSON(page); string(got) != string(want) {
		t.Errorf("the export's events:\n got %s\nwant %s", got, want)
	}
	if last := x.Events[len(x.Events)-1]; last.Type != "account_exported" {
		t.Errorf("the export's last event is %s, want account_exported", last.Type)
	}
	newest := slices.Clone(x.Events)
	slices.Reverse(newest)
	wantChain(t, w.userID(t, alice), newest)

	body := `{"new_email":"alice.new@example.com","current_password":"NewSecurePass123!"}`
	if rec := w.send(t, http.MethodPost, "/api/v1/users/me/email", alice, body); rec.Code != http.StatusAccepted {
		t.Fatalf("change email: %d %s", rec.Code, rec.Body)
	}
	// The change's link exists once the courier composes its mail.
	w.link(t, user.NoticeConfirmEmail, "alice.new@example.com")
	if x := w.export(t, alice); x.PendingEmail == nil || *x.PendingEmail != (pendingEmailView{Email: "alice.new@example.com", ExpiresAt: "2026-05-01T13:00:00Z"}) {
		t.Errorf("pending email change %+v, want alice.new@example.com until 13:00", x.PendingEmail)
	}
	w.export(t, alice)
	wantThrottled(t, w.send(t, http.MethodGet, exportPath, alice, ""))
}
