package httpapi

import (
	"net/http"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
)

// deleteMeFields are the request members of DELETE /users/me: the password, as change-password takes it.
var deleteMeFields = []field{{name: "current_password", required: true, maxLen: credential.MaxPasswordLen}}

// exportView is the document GET /users/me/export answers with: the views the other operations
// give of the same data, so that a client reads an export with the types it already has.
type exportView struct {
	ExportedAt   string            `json:"exported_at"`
	User         adminUserView     `json:"user"`
	Sessions     []sessionView     `json:"sessions"`
	Events       []eventView       `json:"security_events"`
	Checkpoint   *checkpointView   `json:"timeline_checkpoint"`
	PendingEmail *pendingEmailView `json:"pending_email_change"`
}

// checkpointView is where the exported timeline starts: the last event pruned before it.
type checkpointView struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// pendingEmailView is an email change waiting for its link to be followed.
type pendingEmailView struct {
	Email     string `json:"email"`
	ExpiresAt string `json:"expires_at"`
}

func (a *API) deleteMe(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	in, err := decodeObject(r, deleteMeFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.creds.DeleteAccount(r.Context(), p, in["current_password"].s); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) exportMe(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	x, err := a.creds.ExportAccount(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="authd-export-`+string(x.User.ID)+`.json"`)
	writeJSON(w, http.StatusOK, viewExport(x))
}

func viewExport(x *credential.Export) exportView {
	v := exportView{
		ExportedAt: timestamp(x.At), User: viewAdminUser(x.User),
		Sessions: viewSessions(x.Sessions).Sessions, Events: make([]eventView, 0, len(x.Events)),
	}
	for _, e := range x.Events {
		v.Events = append(v.Events, viewEvent(e))
	}
	if x.Checkpoint != (audit.Checkpoint{}) {
		v.Checkpoint = &checkpointView{Seq: x.Checkpoint.Seq, Hash: x.Checkpoint.Hash}
	}
	if x.PendingEmail != "" {
		v.PendingEmail = &pendingEmailView{Email: x.PendingEmail, ExpiresAt: timestamp(x.PendingExpiresAt)}
	}
	return v
}
