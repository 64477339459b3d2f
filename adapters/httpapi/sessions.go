package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// endOthersFields are the request members of revoke-others: none, so the body is empty or {}.
var endOthersFields = []field{}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	live, err := a.creds.Sessions(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewSessions(live))
}

// endSession answers 404 alike for an id no session has and for another user's session, as the
// core does: the answer confirms nothing about sessions that aren't the caller's.
func (a *API) endSession(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	// A session id has the shape of every other id here, and the same 422 as GET /users/{user_id}.
	id, err := user.ParseID("session_id", mux.Vars(r)["session_id"])
	if err != nil {
		a.writeError(w, r, located(inPath, err))
		return
	}
	if err := a.creds.EndSession(r.Context(), p, string(id)); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) endOtherSessions(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	if _, err := decodeObject(r, endOthersFields, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.creds.EndOtherSessions(r.Context(), p); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
