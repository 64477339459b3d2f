package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/core/user"
)

const (
	adminUsers    = "/api/v1/admin/users"
	adminRequired = "This operation requires the admin role"
	ownAccount    = "An administrator cannot do this to their own account"
	noUser        = "User not found"
)

// setAdmin grants or revokes the admin role of the account at email straight in the store, as
// `authd admin grant|revoke` does.
func (w *world) setAdmin(t *testing.T, email string, admin bool) {
	t.Helper()
	ctx := context.Background()
	u, err := w.users.ByEmail(ctx, email)
	if err == nil {
		_, err = w.users.Update(ctx, u.ID, func(u *user.User) error {
			if admin {
				u.Grant(user.RoleAdmin)
			} else {
				u.Revoke(user.RoleAdmin)
			}
			return nil
		})
	}
	if err != nil {
		t.Fatalf("set admin role of %s: %v", email, err)
	}
}

// newAdmin registers an account at email, makes it an administrator and returns its access token.
func (w *world) newAdmin(t *testing.T, email string) string {
	t.Helper()
	access := w.register(t, email)
	w.setAdmin(t, email, true)
	return access
}

// adminView is an AdminUser as a test reads it.
type adminView struct {
	ID            string   `json:"id"`
	Email         string   `json:"email"`
	IsActive      bool     `json:"is_active"`
	LastLogin     *string  `json:"last_login"`
	Roles         []string `json:"roles"`
	ResetRequired bool     `json:"password_reset_required"`
}

// adminUser decodes rec as a 200 AdminUser, or fails the test.
func adminUser(t *testing.T, rec *httptest.ResponseRecorder, what string) adminView {
	t.Helper()
	var v adminView
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &v) != nil || v.Roles == nil {
		t.Fatalf("%s: %d %s, want 200 and an AdminUser", what, rec.Code, rec.Body)
	}
	if body := rec.Body.String(); strings.Contains(body, "fake$") || strings.Contains(body, "token") {
		t.Errorf("%s: the answer shows password material: %s", what, rec.Body)
	}
	return v
}

// act sends an operator's request on the account id and decodes its AdminUser answer.
func (w *world) act(t *testing.T, bearer, action, id string) adminView {
	t.Helper()
	rec := w.send(t, http.MethodPost, adminUsers+"/"+id+"/"+action, bearer, "")
	return adminUser(t, rec, action)
}

// userPage is a page of GET /admin/users as a test reads it.
type userPage struct {
	Users []adminView `json:"users"`
	Next  *string     `json:"next"`
}

func (w *world) findUsers(t *testing.T, bearer, query string) userPage {
	t.Helper()
	rec := w.send(t, http.MethodGet, adminUsers+query, bearer, "")
	var page userPage
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &page) != nil || page.Users == nil {
		t.Fatalf("find users%s: %d %s", query, rec.Code, rec.Body)
	}
	return page
}

func emails(page userPage) string {
	out := make([]string, len(page.Users))
	for i, u := range page.Users {
		out[i] = u.Email
	}
	return strings.Join(out, " ")
}

// Every admin route wants a bearer token first, then the admin role as stored now: a role revoked
// after login is refused at the next request, and a non-admin learns nothing from a bad id.
func TestAdminRoutesNeedTheRole(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.newAdmin(t, "root@example.com")
	alice := w.register(t, "alice@example.com")
	id := w.userID(t, alice)
	routes := []struct{ method, path string }{
		{http.MethodGet, adminUsers},
		{http.MethodGet, adminUsers + "?limit=0"},
		{http.MethodGet, adminUsers + "/" + id},
		{http.MethodGet, adminUsers + "/nope"},
		{http.MethodDelete, adminUsers + "/" + id},
		{http.MethodPost, adminUsers + "/" + id + "/deactivate"},
		{http.MethodPost, adminUsers + "/" + id + "/activate"},
		{http.MethodPost, adminUsers + "/" + id + "/require-password-reset"},
		{http.MethodPost, adminUsers + "/" + id + "/revoke-sessions"},
	}
	for _, r := range routes {
		wantProblem(t, w.send(t, r.method, r.path, "", ""), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
		wantProblem(t, w.send(t, r.method, r.path, "not-a-token", ""), http.StatusUnauthorized, "invalid_token", "Could not validate credentials")
		wantProblem(t, w.send(t, r.method, r.path, alice, ""), http.StatusForbidden, "admin_required", adminRequired)
	}
	if got := w.findUsers(t, admin, ""); len(got.Users) != 2 {
		t.Fatalf("the admin finds %q, want both accounts", emails(got))
	}

	w.setAdmin(t, "root@example.com", false)
	for _, r := range routes {
		wantProblem(t, w.send(t, r.method, r.path, admin, ""), http.StatusForbidden, "admin_required", adminRequired)
	}
	// Nothing the refused requests asked for was done.
	w.wantAlive(t, alice)
	w.setAdmin(t, "root@example.com", true)
	if got := adminUser(t, w.send(t, http.MethodGet, adminUsers+"/"+id, admin, ""), "alice"); !got.IsActive || got.ResetRequired {
		t.Errorf("alice after refused operator requests: %+v, want active and no reset required", got)
	}
}

func TestFindUsers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.newAdmin(t, "root@example.com")
	for _, e := range []string{"carol@example.com", "alice@example.com", "bob@example.com", "albert@example.org"} {
		w.register(t, e)
		w.clock.Advance(time.Minute)
	}

	first := w.findUsers(t, admin, "?limit=2")
	if got := emails(first); got != "albert@example.org alice@example.com" || first.Next == nil {
		t.Fatalf("the first page of 2: %q, next %v; want albert and alice, and a next", got, first.Next)
	}
	if strings.Contains(*first.Next, "alice") || strings.Contains(*first.Next, "@") {
		t.Errorf("next %q shows the email it holds", *first.Next)
	}
	second := w.findUsers(t, admin, "?limit=2&cursor="+url.QueryEscape(*first.Next))
	third := w.findUsers(t, admin, "?limit=2&cursor="+url.QueryEscape(*second.Next))
	if got := emails(second) + " | " + emails(third); got != "bob@example.com carol@example.com | root@example.com" || third.Next != nil {
		t.Errorf("the next pages: %q, last next %v; want bob and carol, then root and no next", got, deref(third.Next))
	}
	// A page that ends with the last account has no next that would lead to an empty page.
	if all := w.findUsers(t, admin, ""); len(all.Users) != 5 || all.Next != nil {
		t.Errorf("the default page: %q, next %v; want all 5 and no next", emails(all), deref(all.Next))
	}
	if exact := w.findUsers(t, admin, "?limit=5"); exact.Next != nil {
		t.Errorf("a page of exactly the 5 accounts has next %s", *exact.Next)
	}

	// Filters: the prefix normalised as emails are, activity, registration time; combined.
	if got := emails(w.findUsers(t, admin, "?email_prefix=+AL")); got != "albert@example.org alice@example.com" {
		t.Errorf("email_prefix=AL: %q", got)
	}
	bob := w.findUsers(t, admin, "?email_prefix=bob").Users[0]
	w.act(t, admin, "deactivate", bob.ID)
	if got := emails(w.findUsers(t, admin, "?is_active=false")); got != "bob@example.com" {
		t.Errorf("is_active=false: %q, want bob", got)
	}
	if got := emails(w.findUsers(t, admin, "?is_active=true&email_prefix=a")); got != "albert@example.org alice@example.com" {
		t.Errorf("is_active=true&email_prefix=a: %q", got)
	}
	// Registered at 12:00 (root), 12:00 (carol), 12:01 (alice), 12:02 (bob), 12:03 (albert).
	if got := emails(w.findUsers(t, admin, "?created_after=2026-05-01T12:01:30Z")); got != "albert@example.org bob@example.com" {
		t.Errorf("created_after 12:01:30: %q, want albert and bob", got)
	}
	if got := emails(w.findUsers(t, admin, "?created_after="+url.QueryEscape("2026-05-01T14:01:30+02:00")+"&is_active=true")); got != "albert@example.org" {
		t.Errorf("created_after 12:01:30 UTC as +02:00, active: %q, want albert", got)
	}

	page := w.findUsers(t, admin, "?email_prefix=root")
	if len(page.Users) != 1 || len(page.Users[0].Roles) != 1 || page.Users[0].Roles[0] != "admin" || page.Users[0].LastLogin == nil {
		t.Errorf("root as listed: %+v, want the admin role and a last login", page.Users)
	}
}

// A full page of the most the core hands out still knows whether another follows.
func TestFindUsersFullPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.newAdmin(t, "root@example.com")
	for i := range maxUserLimit {
		body := fmt.Sprintf(`{"email":"u%03d@example.com","password":"SecurePass123!","confirm_password":"SecurePass123!","first_name":"A","last_name":"B"}`, i)
		if rec := w.send(t, http.MethodPost, "/api/v1/auth/register", "", body); rec.Code != http.StatusCreated {
			t.Fatalf("register %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	// root sorts before the u's: 101 accounts, 100 on the first page.
	first := w.findUsers(t, admin, "?limit=100")
	if len(first.Users) != 100 || first.Next == nil || first.Users[99].Email != "u098@example.com" {
		t.Fatalf("the first 100 of 101: %d, next %v", len(first.Users), deref(first.Next))
	}
	rest := w.findUsers(t, admin, "?limit=100&cursor="+*first.Next)
	if emails(rest) != "u099@example.com" || rest.Next != nil {
		t.Errorf("the page after: %q, next %v; want u099 alone and no next", emails(rest), deref(rest.Next))
	}
	if exact := w.findUsers(t, admin, "?limit=100&email_prefix=u"); len(exact.Users) != 100 || exact.Next != nil {
		t.Errorf("exactly 100 accounts with prefix u: %d, next %v; want no next", len(exact.Users), deref(exact.Next))
	}
}

func TestFindUsersRefusesABadQuery(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.newAdmin(t, "root@example.com")
	for _, tt := range []struct {
		query, name, typ string
		document         bool // the document refuses it too
	}{
		{"limit=0", "limit", typeGreaterEqual, true},
		{"limit=101", "limit", typeLessEqual, true},
		{"limit=ten", "limit", typeIntParsing, true},
		{"is_active=yes", "is_active", typeBoolParsing, true},
		{"is_active=", "is_active", typeBoolParsing, true},
		{"created_after=yesterday", "created_after", typeDatetime, true},
		{"created_after=2026-05-01", "created_after", typeDatetime, true},
		{"cursor=", "cursor", typeValue, true},
		{"cursor=not%20a%20cursor", "cursor", typeValue, true},
		{"cursor=YQ%3D%3D", "cursor", typeValue, true}, // base64 of "a" with padding: not what next gives
		{"email_prefix=" + strings.Repeat("a", 255), "email_prefix", typeStringTooLong, true},
		{"limit=2&limit=3", "limit", typeValue, false},
		{"is_active=true&is_active=false", "is_active", typeValue, false},
	} {
		rec := w.send(t, http.MethodGet, adminUsers+"?"+tt.query, admin, "")
		var got struct{ Detail []validationItem }
		if rec.Code != http.StatusUnprocessableEntity || json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got.Detail) != 1 {
			t.Errorf("?%s: %d %s, want a 422 with one item", tt.query, rec.Code, rec.Body)
			continue
		}
		if it := got.Detail[0]; it.Type != tt.typ || len(it.Loc) != 2 || it.Loc[0] != inQuery || it.Loc[1] != tt.name {
			t.Errorf("?%s: %+v, want %s at query.%s", tt.query, it, tt.typ, tt.name)
		}
		if tt.document {
			wantRefusedByDocument(t, http.MethodGet, adminUsers+"?"+tt.query)
		}
	}
	rec := w.send(t, http.MethodGet, adminUsers+"?limit=%zz", admin, "")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"loc":["query"]`) {
		t.Errorf("a malformed query string: %d %s, want 422 at [query]", rec.Code, rec.Body)
	}
}

func TestAdminGetsAUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.newAdmin(t, "root@example.com")
	alice := w.register(t, "alice@example.com")
	id := w.userID(t, alice)

	got := adminUser(t, w.send(t, http.MethodGet, adminUsers+"/"+id, admin, ""), "get alice")
	if got.ID != id || got.Email != "alice@example.com" || !got.IsActive || len(got.Roles) != 0 || got.ResetRequired || got.LastLogin == nil {
		t.Errorf("alice as an operator sees her: %+v", got)
	}
	rec := w.send(t, http.MethodGet, adminUsers+"/"+id, admin, "")
	var me map[string]any
	_ = json.Unmarshal(w.send(t, http.MethodGet, "/api/v1/users/me", alice, "").Body.Bytes(), &me)
	var theirs map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &theirs)
	for k, v := range me {
		if fmt.Sprint(theirs[k]) != fmt.Sprint(v) {
			t.Errorf("%s: the operator sees %v, the owner %v", k, theirs[k], v)
		}
	}
	if len(theirs) != len(me)+2 {
		t.Errorf("the operator's view %v has other members than the owner's and roles, password_reset_required", theirs)
	}

	wantProblem(t, w.send(t, http.MethodGet, adminUsers+"/ffffffffffffffffffffffff", admin, ""), http.StatusNotFound, "user_not_found", noUser)
	for _, bad := range []string{"nope", "507F1F77BCF86CD799439011", id + "0"} {
		rec := w.send(t, http.MethodGet, adminUsers+"/"+bad, admin, "")
		want := `{"detail":[{"loc":["path","user_id"],"msg":"value is not a valid id: expected 24 hexadecimal characters","type":"value_error"}]}`
		if rec.Code != http.StatusUnprocessableEntity || strings.TrimSpace(rec.Body.String()) != want {
			t.Errorf("GET %s: %d %s, want 422 %s", bad, rec.Code, rec.Body, want)
		}
		wantRefusedByDocument(t, http.MethodGet, adminUsers+"/"+bad)
	}

	if rec := w.send(t, http.MethodDelete, adminUsers+"/"+id, admin, ""); rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("delete alice: %d %s, want 204", rec.Code, rec.Body)
	}
	wantProblem(t, w.send(t, http.MethodGet, adminUsers+"/"+id, admin, ""), http.StatusNotFound, "user_not_found", noUser)
	wantProblem(t, w.send(t, http.MethodGet, "/api/v1/users/"+id, admin, ""), http.StatusNotFound, "user_not_found", noUser)
}

func TestOperatorActions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.newAdmin(t, "root@example.com")
	self := w.userID(t, admin)
	w.register(t, "alice@example.com")
	pair := w.loginPair(t, "alice@example.com")
	id := w.userID(t, pair.Access)

	// Deactivate: her sessions end, her login is refused; again changes nothing.
	if got := w.act(t, admin, "deactivate", id); got.IsActive || got.ID != id {
		t.Errorf("deactivate: %+v, want inactive", got)
	}
	w.wantRefused(t, pair)
	login := `{"email":"alice@example.com","password":"SecurePass123!"}`
	wantProblem(t, w.send(t, http.MethodPost, "/api/v1/auth/login", "", login), http.StatusForbidden, "inactive_user", "This account is inactive")
	if got := w.act(t, admin, "deactivate", id); got.IsActive {
		t.Errorf("deactivate again: %+v", got)
	}
	if got := w.act(t, admin, "activate", id); !got.IsActive {
		t.Errorf("activate: %+v, want active", got)
	}
	pair = w.loginPair(t, "alice@example.com")

	// Revoke sessions: every one ends, and the account may log in again.
	other := w.loginPair(t, "alice@example.com")
	if rec := w.send(t, http.MethodPost, adminUsers+"/"+id+"/revoke-sessions", admin, ""); rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("revoke sessions: %d %s, want 204", rec.Code, rec.Body)
	}
	w.wantEnded(t, pair)
	w.wantEnded(t, other)
	pair = w.loginPair(t, "alice@example.com")

	// Require a reset: sessions end, login is refused until the mailed link sets a new password.
	if got := w.act(t, admin, "require-password-reset", id); !got.ResetRequired || !got.IsActive {
		t.Errorf("require a reset: %+v, want password_reset_required", got)
	}
	w.wantEnded(t, pair)
	refused := `A password reset is required before logging in: use forgot-password`
	wantProblem(t, w.send(t, http.MethodPost, "/api/v1/auth/login", "", login), http.StatusForbidden, "password_reset_required", refused)
	resetBody := `{"token":"` + w.link(t, user.NoticeResetPassword, "alice@example.com") + `","new_password":"NewSecurePass123!","confirm_password":"NewSecurePass123!"}`
	if rec := w.send(t, http.MethodPost, reset, "", resetBody); rec.Code != http.StatusNoContent {
		t.Fatalf("reset: %d %s", rec.Code, rec.Body)
	}
	w.login(t, "alice@example.com", "NewSecurePass123!")
	if got := adminUser(t, w.send(t, http.MethodGet, adminUsers+"/"+id, admin, ""), "after the reset"); got.ResetRequired {
		t.Errorf("after the reset: %+v, want no reset required", got)
	}

	// Not on the operator's own account, but for ending their own sessions.
	for _, action := range []string{"deactivate", "activate", "require-password-reset"} {
		wantProblem(t, w.send(t, http.MethodPost, adminUsers+"/"+self+"/"+action, admin, ""), http.StatusConflict, "own_account", ownAccount)
	}
	wantProblem(t, w.send(t, http.MethodDelete, adminUsers+"/"+self, admin, ""), http.StatusConflict, "own_account", ownAccount)
	w.wantAlive(t, admin)

	// Unknown and malformed ids.
	for _, action := range []string{"deactivate", "activate", "require-password-reset", "revoke-sessions"} {
		wantProblem(t, w.send(t, http.MethodPost, adminUsers+"/ffffffffffffffffffffffff/"+action, admin, ""), http.StatusNotFound, "user_not_found", noUser)
		wantValidationAt(t, w.send(t, http.MethodPost, adminUsers+"/nope/"+action, admin, ""), inPath, "user_id", typeValue)
	}
	wantProblem(t, w.send(t, http.MethodDelete, adminUsers+"/ffffffffffffffffffffffff", admin, ""), http.StatusNotFound, "user_not_found", noUser)
	wantValidationAt(t, w.send(t, http.MethodDelete, adminUsers+"/nope", admin, ""), inPath, "user_id", typeValue)

	// Delete: her tokens and login fail at once, and her address is free again.
	access := w.login(t, "alice@example.com", "NewSecurePass123!")
	if rec := w.send(t, http.MethodDelete, adminUsers+"/"+id, admin, ""); rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("delete: %d %s, want 204", rec.Code, rec.Body)
	}
	if rec := w.send(t, http.MethodGet, "/api/v1/users/me", access, ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("a token of the deleted account: %d %s, want 401", rec.Code, rec.Body)
	}
	wantProblem(t, w.send(t, http.MethodPost, "/api/v1/auth/login", "", `{"email":"alice@example.com","password":"NewSecurePass123!"}`),
		http.StatusUnauthorized, "invalid_credentials", "Incorrect email or password")
	for _, action := range []string{"deactivate", "revoke-sessions"} {
		wantProblem(t, w.send(t, http.MethodPost, adminUsers+"/"+id+"/"+action, admin, ""), http.StatusNotFound, "user_not_found", noUser)
	}
	wantProblem(t, w.send(t, http.MethodDelete, adminUsers+"/"+id, admin, ""), http.StatusNotFound, "user_not_found", noUser)
	w.register(t, "alice@example.com")

	// An administrator may end their own sessions, the calling one included.
	if rec := w.send(t, http.MethodPost, adminUsers+"/"+self+"/revoke-sessions", admin, ""); rec.Code != http.StatusNoContent {
		t.Errorf("revoke own sessions: %d %s, want 204", rec.Code, rec.Body)
	}
	wantProblem(t, w.send(t, http.MethodGet, adminUsers, admin, ""), http.StatusUnauthorized, "session_revoked", sessionEnded)
}

// The operator's actions are on the account's timeline, naming the operator.
func TestOperatorActionsAreOnTheTimeline(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.newAdmin(t, "root@example.com")
	self := w.userID(t, admin)
	w.register(t, "alice@example.com")
	id := w.findUsers(t, admin, "?email_prefix=alice").Users[0].ID
	for _, action := range []string{"deactivate", "activate", "require-password-reset"} {
		w.act(t, admin, action, id)
	}
	w.send(t, http.MethodPost, adminUsers+"/"+id+"/revoke-sessions", admin, "")
	w.send(t, http.MethodPost, "/api/v1/auth/reset-password", "", `{"token":"`+w.link(t, user.NoticeResetPassword, "alice@example.com")+`","new_password":"NewSecurePass123!","confirm_password":"NewSecurePass123!"}`)
	alice := w.login(t, "alice@example.com", "NewSecurePass123!")
	var got []string
	for _, e := range w.events(t, alice, "").Events {
		if e.Detail != nil && *e.Detail == "operator:"+self {
			got = append(got, e.Type)
		}
	}
	if want := "session_revoked password_reset_required account_activated account_deactivated"; strings.Join(got, " ") != want {
		t.Errorf("the operator's events on alice's timeline, newest first: %v, want %s", got, want)
	}
}

// wantRefused fails the test unless both tokens of pair are refused with a 401, whatever its code:
// an inactive account's tokens fail as invalid ones do.
func (w *world) wantRefused(t *testing.T, pair tokens) {
	t.Helper()
	if rec := w.send(t, http.MethodGet, "/api/v1/users/me", pair.Access, ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("the access token: %d %s, want 401", rec.Code, rec.Body)
	}
	refresh, _ := json.Marshal(map[string]string{"refresh_token": pair.Refresh})
	if rec := w.send(t, http.MethodPost, "/api/v1/auth/refresh", "", string(refresh)); rec.Code != http.StatusUnauthorized {
		t.Errorf("the refresh token: %d %s, want 401", rec.Code, rec.Body)
	}
}

// wantValidationAt fails the test unless rec is a 422 whose only item is typ at [in, field].
func wantValidationAt(t *testing.T, rec *httptest.ResponseRecorder, in, field, typ string) {
	t.Helper()
	var got struct{ Detail []validationItem }
	if rec.Code != http.StatusUnprocessableEntity || json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got.Detail) != 1 {
		t.Errorf("%d %s, want a 422 with one item, %s at %s.%s", rec.Code, rec.Body, typ, in, field)
		return
	}
	if it := got.Detail[0]; it.Type != typ || len(it.Loc) != 2 || it.Loc[0] != in || it.Loc[1] != field {
		t.Errorf("422 item %+v, want %s at %s.%s", it, typ, in, field)
	}
}
