package httpapi

import (
	"net/http"
	"strings"

	"github.com/authd/authd/core/credential"
)

// authenticated runs next only for a request with a valid bearer access token of a live session.
func (a *API) authenticated(next func(http.ResponseWriter, *http.Request, *credential.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, err := bearerToken(r)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		p, err := a.creds.Authenticate(r.Context(), token)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		p.Client = a.client(r)
		noteUser(r, p.User)
		next(w, r, p)
	}
}

// bearerToken extracts the token of exactly one "Authorization: Bearer <token>" header.
// The scheme is matched exactly as this API documents it; anything else is not our credential.
func bearerToken(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return "", errNotAuthenticated
	}
	if len(values) > 1 {
		return "", credential.ErrInvalidToken
	}
	token, ok := strings.CutPrefix(values[0], "Bearer ")
	if !ok || token == "" || strings.ContainsAny(token, " \t") {
		return "", credential.ErrInvalidToken
	}
	return token, nil
}
