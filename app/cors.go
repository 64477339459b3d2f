package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rs/cors"
)

// parseOrigins splits AUTHD_CORS_ORIGINS into origins: "*", or scheme://host[:port] with at most
// one "*" in the host (https://*.example.com), as github.com/rs/cors matches them.
func parseOrigins(s string) ([]string, error) {
	var origins []string
	for _, o := range strings.Split(s, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o != "*" {
			u, err := url.Parse(strings.Replace(o, "*", "wildcard", 1))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
				u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.Count(o, "*") > 1 {
				return nil, fmt.Errorf("%q is not an origin such as https://app.example.com", o)
			}
		}
		origins = append(origins, o)
	}
	return origins, nil
}

// withCORS lets browser scripts from the configured origins call the API; with none it returns h
// unchanged, so browsers keep their same-origin policy.
func withCORS(h http.Handler, origins []string) http.Handler {
	if len(origins) == 0 {
		return h
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut},
		AllowedHeaders: []string{"Authorization", "Content-Type", "X-Request-ID"},
		// Scripts need the request id to report problems, Retry-After to back off after a 429 or
		// 503, and WWW-Authenticate to tell an expired token from a missing one.
		ExposedHeaders: []string{"X-Request-ID", "Retry-After", "WWW-Authenticate"},
		// Bearer tokens travel in a header, never in cookies, so credentialed requests stay off.
		AllowCredentials: false,
		MaxAge:           600,
	}).Handler(h)
}
