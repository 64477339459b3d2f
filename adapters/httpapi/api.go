// Package httpapi serves the REST API over gorilla/mux: it decodes requests strictly, calls the core
// services and maps their errors to statuses in one place (errors.go).
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/gorilla/mux"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// Options is what the API is built from.
type Options struct {
	Credentials    *credential.Service
	Users          *user.Service
	Ready          func(context.Context) error // reports whether the database answers
	Log            *slog.Logger
	TrustedProxies []netip.Prefix // peers whose X-Forwarded-For is believed
	IPv6Prefix     int            // bits of an IPv6 client address that throttling counts under; 0 means DefaultIPv6Prefix
	Metrics        Metrics        // what traffic is observed into; nil records nothing
	MetricsHandler http.Handler   // serves GET /metrics; nil when metrics are served elsewhere or not at all
	JWKS           any            // the public key set GET /.well-known/jwks.json publishes, JSON-encoded as is
}

// API holds what the handlers need.
type API struct {
	creds   *credential.Service
	users   *user.Service
	ready   func(context.Context) error
	log     *slog.Logger
	proxies []netip.Prefix
	v6Bits  int
	metrics Metrics
	jwks    any
}

// New returns the service's HTTP handler.
func New(o Options) http.Handler {
	a := &API{creds: o.Credentials, users: o.Users, ready: o.Ready, log: o.Log, proxies: o.TrustedProxies, metrics: o.Metrics, jwks: o.JWKS}
	if a.metrics == nil {
		a.metrics = noMetrics{}
	}
	a.v6Bits = o.IPv6Prefix
	if a.v6Bits <= 0 || a.v6Bits > 128 {
		a.v6Bits = DefaultIPv6Prefix
	}
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, problem{Detail: "Not Found", Code: "not_found"})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, problem{Detail: "Method Not Allowed", Code: "method_not_allowed"})
	})
	r.Use(recordRoute)
	r.HandleFunc("/healthz", a.healthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", a.readyz).Methods(http.MethodGet, http.MethodHead)
	routeDocs(r)
	routePages(r)
	r.HandleFunc("/.well-known/jwks.json", a.publishJWKS).Methods(http.MethodGet)
	if o.MetricsHandler != nil {
		r.Handle("/metrics", o.MetricsHandler).Methods(http.MethodGet)
	}

	// Full paths on one router, not a subrouter: mux only answers 405 from the router that matched the path.
	const v1 = "/api/v1"
	r.HandleFunc(v1+"/auth/register", a.register).Methods(http.MethodPost)
	r.HandleFunc(v1+"/auth/login", a.login).Methods(http.MethodPost)
	r.HandleFunc(v1+"/auth/refresh", a.refresh).Methods(http.MethodPost)
	r.HandleFunc(v1+"/auth/logout", a.authenticated(a.logout)).Methods(http.MethodPost)
	r.HandleFunc(v1+"/auth/change-password", a.authenticated(a.changePassword)).Methods(http.MethodPost)
	r.HandleFunc(v1+"/auth/forgot-password", a.forgotPassword).Methods(http.MethodPost)
	r.HandleFunc(v1+"/auth/reset-password", a.resetPassword).Methods(http.MethodPost)
	r.HandleFunc(v1+"/auth/verify-email", a.verifyEmail).Methods(http.MethodPost)
	r.HandleFunc(v1+"/auth/verify-email/resend", a.authenticated(a.resendVerification)).Methods(http.MethodPost)
	r.HandleFunc(v1+"/users/me", a.authenticated(a.me)).Methods(http.MethodGet)
	r.HandleFunc(v1+"/users/me", a.authenticated(a.updateMe)).Methods(http.MethodPut)
	r.HandleFunc(v1+"/users/me/email", a.authenticated(a.requestEmailChange)).Methods(http.MethodPost)
	r.HandleFunc(v1+"/users/me/email/confirm", a.confirmEmailChange).Methods(http.MethodPost)
	r.HandleFunc(v1+"/users/me/sessions", a.authenticated(a.listSessions)).Methods(http.MethodGet)
	r.HandleFunc(v1+"/users/me/sessions/revoke-others", a.authenticated(a.endOtherSessions)).Methods(http.MethodPost)
	// As in the document, the literal path wins over the template: DELETE .../revoke-others is a
	// method that path lacks (405), not a session id of the wrong shape (422).
	r.Handle(v1+"/users/me/sessions/revoke-others", r.MethodNotAllowedHandler)
	r.HandleFunc(v1+"/users/me/sessions/{session_id}", a.authenticated(a.endSession)).Methods(http.MethodDelete)
	r.HandleFunc(v1+"/users/me/security-events", a.authenticated(a.securityEvents)).Methods(http.MethodGet)
	r.HandleFunc(v1+"/users/me/security-events/verify", a.authenticated(a.verifyTimeline)).Methods(http.MethodGet)
	r.HandleFunc(v1+"/users/me", a.authenticated(a.deleteMe)).Methods(http.MethodDelete)
	r.HandleFunc(v1+"/users/me/export", a.authenticated(a.exportMe)).Methods(http.MethodGet)
	r.HandleFunc(v1+"/users/{user_id}", a.authenticated(a.publicUser)).Methods(http.MethodGet)
	r.HandleFunc(v1+"/admin/users", a.admin(a.listUsers)).Methods(http.MethodGet)
	r.HandleFunc(v1+"/admin/users/{user_id}", a.admin(a.adminUser)).Methods(http.MethodGet)
	r.HandleFunc(v1+"/admin/users/{user_id}", a.admin(a.deleteUser)).Methods(http.MethodDelete)
	r.HandleFunc(v1+"/admin/users/{user_id}/deactivate", a.admin(a.operatorAction((*credential.Service).Deactivate))).Methods(http.MethodPost)
	r.HandleFunc(v1+"/admin/users/{user_id}/activate", a.admin(a.operatorAction((*credential.Service).Activate))).Methods(http.MethodPost)
	r.HandleFunc(v1+"/admin/users/{user_id}/require-password-reset", a.admin(a.operatorAction((*credential.Service).RequireReset))).Methods(http.MethodPost)
	r.HandleFunc(v1+"/admin/users/{user_id}/revoke-sessions", a.admin(a.revokeUserSessions)).Methods(http.MethodPost)

	return a.middleware(r)
}

func (a *API) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.ready(ctx); err != nil {
		a.log.WarnContext(ctx, "readiness check failed", "request_id", requestID(r.Context()), "error", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, problem{Detail: "Database is unreachable", Code: "not_ready"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
