package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// Bounds of a page of accounts, as the document's limit parameter gives them.
const (
	defaultUserLimit = 20
	maxUserLimit     = credential.MaxListLimit
)

// adminUserView is an account as an operator sees it: what its owner sees, and its roles and
// whether it must reset its password. Never password material or tokens.
type adminUserView struct {
	userView
	Roles         []string `json:"roles"`
	ResetRequired bool     `json:"password_reset_required"`
}

// userPageView is a page of accounts; Next is the cursor of the page after it, nil at the end.
type userPageView struct {
	Users []adminUserView `json:"users"`
	Next  *string         `json:"next"`
}

func viewAdminUser(u *user.User) adminUserView {
	return adminUserView{userView: viewUser(u), Roles: user.RoleNames(u.Roles), ResetRequired: u.ResetRequired}
}

// admin runs next only for an authenticated caller who holds the admin role as stored now, before
// anything of the request is read: a non-admin learns nothing from the answer but 403.
func (a *API) admin(next func(http.ResponseWriter, *http.Request, *credential.Principal)) http.HandlerFunc {
	return a.authenticated(func(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
		if err := a.creds.Authorize(p); err != nil {
			a.writeError(w, r, err)
			return
		}
		next(w, r, p)
	})
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	q, limit, err := readUserQuery(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	q.Limit = limit
	found, more, err := a.creds.FindUsers(r.Context(), p, q)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := userPageView{Users: make([]adminUserView, 0, len(found))}
	if more {
		c := userCursor(found[len(found)-1].Email)
		out.Next = &c
	}
	for _, u := range found {
		out.Users = append(out.Users, viewAdminUser(u))
	}
	writeJSON(w, http.StatusOK, out)
}

// readUserQuery reads the filters of GET /admin/users and the page size it asks for.
func readUserQuery(r *http.Request) (user.Query, int, error) {
	q := readQuery(r)
	var uq user.Query
	limit := q.integer("limit", defaultUserLimit, 1, maxUserLimit)
	if raw, ok := q.value("email_prefix"); ok {
		if utf8.RuneCountInString(raw) > maxEmailLen {
			q.errs = append(q.errs, queryProblem("email_prefix", typeStringTooLong, "String should have at most 254 characters"))
		}
		uq.EmailPrefix = user.NormalizeEmailPrefix(raw)
	}
	if raw, ok := q.value("is_active"); ok {
		switch raw {
		case "true":
			uq.IsActive = new(bool)
			*uq.IsActive = true
		case "false":
			uq.IsActive = new(bool)
		default:
			q.errs = append(q.errs, queryProblem("is_active", typeBoolParsing, "Input should be a valid boolean, unable to interpret input"))
		}
	}
	if raw, ok := q.value("created_after"); ok {
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			q.errs = append(q.errs, queryProblem("created_after", typeDatetime, "Input should be a valid datetime in RFC 3339, such as 2023-01-01T00:00:00Z"))
		}
		uq.CreatedAfter = &t
	}
	if raw, ok := q.value("cursor"); ok {
		email, valid := parseUserCursor(raw)
		if !valid {
			q.errs = append(q.errs, queryProblem("cursor", typeValue, "value is not a valid cursor: pass a page's next as it is"))
		}
		uq.After = email
	}
	return uq, limit, q.err()
}

// userCursor is the next of a page whose last account has email. Opaque to clients, so that an
// address does not sit in logs of URLs as itself, and so that its encoding stays this adapter's.
func userCursor(email string) string { return base64.RawURLEncoding.EncodeToString([]byte(email)) }

// parseUserCursor returns the email a cursor holds; only what userCursor writes is one.
func parseUserCursor(s string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || !utf8.Valid(b) || userCursor(string(b)) != s {
		return "", false
	}
	return string(b), true
}

// targetID is the user_id of an admin route's path.
func targetID(r *http.Request) (user.ID, error) {
	id, err := user.ParseID("user_id", mux.Vars(r)["user_id"])
	if err != nil {
		return "", located(inPath, err)
	}
	return id, nil
}

func (a *API) adminUser(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	id, err := targetID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	u, err := a.creds.UserByID(r.Context(), p, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewAdminUser(u))
}

// operatorChange is one of the operator's use cases that answer with the account's new state,
// as a method expression: (*credential.Service).Deactivate.
type operatorChange func(*credential.Service, context.Context, *credential.Principal, user.ID) (*user.User, error)

// operatorAction is the handler of change.
func (a *API) operatorAction(change operatorChange) func(http.ResponseWriter, *http.Request, *credential.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
		id, err := targetID(r)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		u, err := change(a.creds, r.Context(), p, id)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, viewAdminUser(u))
	}
}

func (a *API) revokeUserSessions(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	id, err := targetID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if _, err := a.creds.RevokeSessions(r.Context(), p, id); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	id, err := targetID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.creds.DeleteUser(r.Context(), p, id); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
