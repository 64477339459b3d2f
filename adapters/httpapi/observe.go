package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// Metrics receives what the API observes about its traffic; adapters/metrics records it for
// Prometheus. Every argument comes from a small fixed set, so metrics never carry user data.
type Metrics interface {
	// Request reports one answered request: the route template ("unmatched" for none), a method
	// from a fixed set ("other" otherwise), the status and how long the answer took.
	Request(route, method string, status int, took time.Duration)
	// InFlight reports a request that has begun (+1) or been answered (-1).
	InFlight(delta int)
	// Login reports one login attempt's outcome: success, bad_credentials, throttled, inactive or error.
	Login(outcome string)
	// RefreshReused reports a spent refresh token presented again.
	RefreshReused()
	// MalformedBody reports a request body that could not be read, by reason: truncated, chunked
	// or timeout.
	MalformedBody(reason string)
}

// noMetrics is the Metrics of an API built without any.
type noMetrics struct{}

func (noMetrics) Request(string, string, int, time.Duration) {}
func (noMetrics) InFlight(int)                               {}
func (noMetrics) Login(string)                               {}
func (noMetrics) RefreshReused()                             {}
func (noMetrics) MalformedBody(string)                       {}

// methodLabel keeps the method label to a fixed set: the method is whatever a client sends.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// loginOutcome names what a login attempt's error means; ok is false for input that never made
// it to a password check (validation errors), which is not an attempt.
func loginOutcome(err error) (outcome string, ok bool) {
	var many user.ValidationErrors
	var one *user.ValidationError
	switch {
	case err == nil:
		return "success", true
	case errors.Is(err, credential.ErrInvalidCredentials):
		return "bad_credentials", true
	case errors.Is(err, throttle.ErrThrottled):
		return "throttled", true
	case errors.Is(err, credential.ErrInactive):
		return "inactive", true
	case errors.Is(err, credential.ErrResetRequired):
		return "reset_required", true
	case errors.As(err, &many), errors.As(err, &one):
		return "", false
	}
	return "error", true
}
