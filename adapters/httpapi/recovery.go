package httpapi

import (
	"net/http"

	"github.com/authd/authd/core/credential"
)

// maxLinkTokenLen bounds what a link's token may be as sent; every other rule about a token is the
// core's, and breaking one is a bad link (400 invalid_link), never a 422 that hints at the shape.
const maxLinkTokenLen = 256

// The request members of the operations that mail a link or take one back.
var (
	tokenField          = field{name: "token", required: true, opaque: true, minLen: 1, maxLen: maxLinkTokenLen}
	forgotFields        = []field{{name: "email", required: true, verbatim: true, maxLen: maxEmailLen}}
	resetPasswordFields = []field{
		tokenField,
		{name: "new_password", required: true, minLen: credential.MinPasswordLen, maxLen: credential.MaxPasswordLen},
		{name: "confirm_password", required: true, maxLen: credential.MaxPasswordLen},
	}
	linkFields   = []field{tokenField}
	resendFields = []field{}
	// As at change-password, a current password shorter than any password is just a wrong one.
	changeEmailFields = []field{
		{name: "new_email", required: true, verbatim: true, maxLen: maxEmailLen},
		{name: "current_password", required: true, maxLen: credential.MaxPasswordLen},
	}
)

// What a request that queued mail is answered with. The forgot-password answer is the same
// whether or not an account has the address.
const (
	forgotAccepted = "If an account uses this address, a link to reset its password is on its way."
	resendAccepted = "A link to verify your email address is on its way to it."
	changeAccepted = "A link to confirm the change is on its way to the new address; " +
		"the account keeps its current address until the link is used."
)

func (a *API) forgotPassword(w http.ResponseWriter, r *http.Request) {
	in, err := decodeObject(r, forgotFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.creds.ForgotPassword(r.Context(), in["email"].s, a.throttleKey(r)); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, acceptedView{Detail: forgotAccepted})
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) {
	in, err := decodeObject(r, resetPasswordFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	err = a.creds.ResetPassword(r.Context(), credential.PasswordReset{
		Token: in["token"].s, New: in["new_password"].s, Confirm: in["confirm_password"].s, ClientIP: a.throttleKey(r),
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) verifyEmail(w http.ResponseWriter, r *http.Request) {
	in, err := decodeObject(r, linkFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	u, err := a.creds.VerifyEmail(r.Context(), in["token"].s, a.throttleKey(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	noteUser(r, u)
	writeJSON(w, http.StatusOK, viewUser(u))
}

func (a *API) resendVerification(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	if _, err := decodeObject(r, resendFields, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.creds.ResendVerification(r.Context(), p, a.throttleKey(r)); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, acceptedView{Detail: resendAccepted})
}

func (a *API) requestEmailChange(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	in, err := decodeObject(r, changeEmailFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	err = a.creds.RequestEmailChange(r.Context(), p, credential.EmailChange{
		NewEmail: in["new_email"].s, CurrentPassword: in["current_password"].s, ClientIP: a.throttleKey(r),
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, acceptedView{Detail: changeAccepted})
}

// confirmEmailChange takes no bearer token: the link's token is the credential, and the link may
// be opened on a device where the account is not logged in.
func (a *API) confirmEmailChange(w http.ResponseWriter, r *http.Request) {
	in, err := decodeObject(r, linkFields, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	u, err := a.creds.ConfirmEmailChange(r.Context(), in["token"].s, a.throttleKey(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	noteUser(r, u)
	writeJSON(w, http.StatusOK, viewUser(u))
}
