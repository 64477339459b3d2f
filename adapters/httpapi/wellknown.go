package httpapi

import "net/http"

// emptyKeySet is what an API without public keys (HS256) publishes: a valid, empty JWKS.
var emptyKeySet = struct {
	Keys []struct{} `json:"keys"`
}{Keys: []struct{}{}}

// publishJWKS serves the public keys that verify the service's tokens (RFC 7517), for resource
// servers that check tokens themselves.
func (a *API) publishJWKS(w http.ResponseWriter, _ *http.Request) {
	var set any = emptyKeySet
	if a.jwks != nil {
		set = a.jwks
	}
	// Unlike every other answer, public keys are no secret and verifiers should cache them; five
	// minutes keeps a newly added key's tokens from being refused for long by a verifier's cache.
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Del("Pragma")
	writeJSON(w, http.StatusOK, set)
}
