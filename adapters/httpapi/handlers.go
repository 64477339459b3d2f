package httpapi

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// The request members of each operation, with the document's required, nullable, minLength and
// maxLength (TestFieldsMatchTheDocument holds the two together); the rules the document states in
// words are the core's.
var (
	registerFields = []field{
		{name: "email", required: true, verbatim: true, maxLen: maxEmailLen},
		{name: "password", required: true, minLen: credential.MinPasswordLen, maxLen: credential.MaxPasswordLen},
		{name: "confirm_password", required: true, maxLen: credential.MaxPasswordLen},
		{name: "first_name", required: true, minLen: 1, maxLen: user.MaxNameLen},
		{name: "last_name", required: true, minLen: 1, maxLen: user.MaxNameLen},
	}
	// A login or current password shorter than any password is just a wrong one, never a hint.
	loginFields = []field{
		{name: "email", required: true, verbatim: true, maxLen: maxEmailLen},
		{name: "password", required: true, maxLen: credential.MaxPasswordLen},
	}
	refreshFields        = []field{{name: "refresh_token", required: true, minLen: 1}}
	logoutFields         = []field{{name: "refresh_token", minLen: 1}}
	changePasswordFields = []field{
		{name: "current_password", required: true, maxLen: credential.MaxPasswordLen},
		{name: "new_password", required: true, minLen: credential.MinPasswordLen, maxLen: credential.MaxPasswordLen},
		{name: "confirm_password", required: true, maxLen: credential.MaxPasswordLen},
	}
	updateMeFields = []field{
		{name: "first_name", minLen: 1, maxLen: user.MaxNameLen}, {name: "last_name", minLen: 1, maxLen: user.MaxNameLen},
		{name: "bio", nullable: true, maxLen: user.MaxBioLen}, {name: "phone_number", nullable: true},
	}
)

// maxEmailLen is RFC 5321's limit on an address; the core counts it again once spaces are trimmed.
const maxEmailLen = 254

func (a *API) register(w http.ResponseWriter, r *http.Request) {
	in, err := decodeObject(r, registerFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	u, err := a.creds.Register(r.Context(), credential.Registration{
		Email: in["email"].s, Password: in["password"].s, ConfirmPassword: in["confirm_password"].s,
		FirstName: in["first_name"].s, LastName: in["last_name"].s, ClientIP: a.throttleKey(r),
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, viewUser(u))
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	in, err := decodeObject(r, loginFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	pair, u, err := a.creds.Login(r.Context(), in["email"].s, in["password"].s, a.client(r))
	if outcome, ok := loginOutcome(err); ok {
		a.metrics.Login(outcome)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	noteUser(r, u)
	writeJSON(w, http.StatusOK, viewTokens(pair))
}

func (a *API) refresh(w http.ResponseWriter, r *http.Request) {
	in, err := decodeObject(r, refreshFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	pair, err := a.creds.Refresh(r.Context(), in["refresh_token"].s)
	if errors.Is(err, credential.ErrRefreshReused) {
		a.metrics.RefreshReused()
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewTokens(pair))
}

func (a *API) logout(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	in, err := decodeObject(r, logoutFields, true)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.creds.Logout(r.Context(), p, in["refresh_token"].s); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	in, err := decodeObject(r, changePasswordFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	err = a.creds.ChangePassword(r.Context(), p, credential.PasswordChange{
		Current: in["current_password"].s, New: in["new_password"].s, Confirm: in["confirm_password"].s,
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) me(w http.ResponseWriter, _ *http.Request, p *credential.Principal) {
	writeJSON(w, http.StatusOK, viewUser(p.User))
}

func (a *API) updateMe(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	in, err := decodeObject(r, updateMeFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	patch := user.ProfilePatch{
		Bio:         user.Optional{Set: in["bio"].present, Value: in["bio"].ptr()},
		PhoneNumber: user.Optional{Set: in["phone_number"].present, Value: in["phone_number"].ptr()},
	}
	if v := in["first_name"]; v.present {
		patch.FirstName = &v.s
	}
	if v := in["last_name"]; v.present {
		patch.LastName = &v.s
	}
	u, err := a.users.UpdateProfile(r.Context(), p.User.ID, patch)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewUser(u))
}

func (a *API) publicUser(w http.ResponseWriter, r *http.Request, _ *credential.Principal) {
	id, err := user.ParseID("user_id", mux.Vars(r)["user_id"])
	if err != nil {
		a.writeError(w, r, located(inPath, err))
		return
	}
	u, err := a.users.Get(r.Context(), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewPublic(u.Public()))
}
