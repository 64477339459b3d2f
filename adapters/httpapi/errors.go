package httpapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/storage"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// problem is the body of every error but validation: {"detail": "...", "code": "..."}.
type problem struct {
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

// validationItem is one entry of a 422 body, FastAPI's shape: loc, msg, type.
type validationItem struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

type statusError struct {
	status int
	code   string
	detail string
}

// errorStatuses is the one mapping from domain errors to HTTP statuses; order matters only where
// errors wrap each other.
var errorStatuses = []struct {
	err error
	statusError
}{
	{user.ErrEmailTaken, statusError{http.StatusConflict, "email_taken", "A user with this email already exists"}},
	{user.ErrConflict, statusError{http.StatusConflict, "conflict", "The account was changed by another request at the same time; retry"}},
	{user.ErrNotFound, statusError{http.StatusNotFound, "user_not_found", "User not found"}},
	{credential.ErrInvalidCredentials, statusError{http.StatusUnauthorized, "invalid_credentials", "Incorrect email or password"}},
	{credential.ErrInactive, statusError{http.StatusForbidden, "inactive_user", "This account is inactive"}},
	{credential.ErrResetRequired, statusError{http.StatusForbidden, "password_reset_required", "A password reset is required before logging in: use forgot-password"}},
	{credential.ErrAdminRequired, statusError{http.StatusForbidden, "admin_required", "This operation requires the admin role"}},
	{credential.ErrOwnAccount, statusError{http.StatusConflict, "own_account", "An administrator cannot do this to their own account"}},
	{credential.ErrRefreshReused, statusError{http.StatusUnauthorized, "refresh_token_reused", "Refresh token was already used; the session has been revoked"}},
	{credential.ErrSessionNotFound, statusError{http.StatusNotFound, "session_not_found", "Session not found"}},
	{credential.ErrSessionRevoked, statusError{http.StatusUnauthorized, "session_revoked", "The session has ended; log in again"}},
	{credential.ErrInvalidToken, statusError{http.StatusUnauthorized, "invalid_token", "Could not validate credentials"}},
	{errNotAuthenticated, statusError{http.StatusUnauthorized, "not_authenticated", "Not authenticated"}},
	{credential.ErrWrongPassword, statusError{http.StatusBadRequest, "wrong_password", "Current password is incorrect"}},
	{credential.ErrBadLink, statusError{http.StatusBadRequest, "invalid_link", "The link is invalid or has expired"}},
	{credential.ErrAlreadyVerified, statusError{http.StatusConflict, "already_verified", "The email address is already verified"}},
	{errTooLarge, statusError{http.StatusRequestEntityTooLarge, "body_too_large", "Request body is larger than 1 MiB"}},
	{errUnsupportedMedia, statusError{http.StatusUnsupportedMediaType, "unsupported_media_type", "Request body must be JSON (Content-Type: application/json)"}},
	{storage.ErrUnavailable, statusError{http.StatusServiceUnavailable, "storage_unavailable", "The service is temporarily unavailable; retry shortly"}},
	{context.DeadlineExceeded, statusError{http.StatusServiceUnavailable, "timeout", "The service is temporarily unavailable; retry shortly"}},
}

var errNotAuthenticated = errors.New("not authenticated")

// writeError answers with the status and body err maps to. Unknown errors are a 500 with a generic
// body; the cause goes to the log with the request id, never to the client.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	// The core's validation errors that no handler placed elsewhere are about the body it decoded.
	err = located(inBody, err)
	var listed fieldProblems
	var throttled *throttle.ThrottledError
	var malformed *malformedBodyError
	switch {
	case errors.As(err, &malformed):
		// The client's mistake, not ours: info, not error, so a burst of them pages nobody.
		a.log.InfoContext(r.Context(), "malformed request body", "request_id", requestID(r.Context()),
			"reason", malformed.reason, "error", malformed.err.Error())
		a.metrics.MalformedBody(malformed.reason)
		writeJSON(w, http.StatusBadRequest, problem{Detail: malformedBodyDetails[malformed.reason], Code: "malformed_body"})
		return
	case errors.Is(err, errTooLarge):
		drain(w, r)
	case errors.As(err, &throttled):
		secs := int64(math.Ceil(throttled.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeJSON(w, http.StatusTooManyRequests, problem{
			Detail: fmt.Sprintf("Too many attempts; retry in %d seconds", secs), Code: "too_many_attempts",
		})
		return
	case errors.As(err, &listed):
		writeValidation(w, listed)
		return
	}
	for _, m := range errorStatuses {
		if !errors.Is(err, m.err) {
			continue
		}
		switch m.status {
		case http.StatusUnauthorized:
			challenge := "Bearer"
			if m.code != "not_authenticated" && m.code != "invalid_credentials" {
				challenge = `Bearer error="invalid_token"`
			}
			w.Header().Set("WWW-Authenticate", challenge)
		case http.StatusServiceUnavailable:
			w.Header().Set("Retry-After", "5")
			a.log.WarnContext(r.Context(), "storage unavailable", "request_id", requestID(r.Context()), "error", err.Error())
		}
		writeJSON(w, m.status, problem{Detail: m.detail, Code: m.code})
		return
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away; nobody reads this answer, so don't count it as a server fault.
		w.WriteHeader(499)
		return
	}
	a.log.ErrorContext(r.Context(), "internal error", "request_id", requestID(r.Context()), "error", err.Error())
	writeJSON(w, http.StatusInternalServerError, problem{Detail: "Internal server error", Code: "internal_error"})
}

// Bounds of a 422 body: whatever the request, it stays under 8 KiB. A client can make a problem
// per member and choose each member's name, so both the count and the echoed names are capped.
const (
	maxProblems = 20  // problems listed; one more item counts the rest
	maxLocName  = 64  // bytes a field name in loc takes once JSON-encoded
	maxMsg      = 256 // bytes a msg takes once JSON-encoded; ours are far shorter
)

// Where a rejected value was found: the first element of its loc.
const (
	inBody  = "body"
	inPath  = "path"
	inQuery = "query"
)

// The types of 422 items: the seed's words (FastAPI's and pydantic's), which clients switch on.
const (
	typeMissing         = "missing"
	typeValue           = "value_error"
	typeStringType      = "string_type"
	typeStringTooShort  = "string_too_short"
	typeStringTooLong   = "string_too_long"
	typeExtraForbidden  = "extra_forbidden"
	typeJSONInvalid     = "json_invalid"
	typeNotAnObject     = "model_attributes_type"
	typePasswordTooWeak = "password_too_weak"
	typeIntParsing      = "int_parsing"
	typeGreaterEqual    = "greater_than_equal"
	typeLessEqual       = "less_than_equal"
	typeBoolParsing     = "bool_parsing"
	typeDatetime        = "datetime_from_date_parsing"
	typeTooManyErrors   = "too_many_errors" // the last item of a 422 that lists only the first maxProblems
)

// kindTypes is the one mapping from the core's kinds of validation error to the seed's types. The
// seed has no type for a differing confirmation or an unchanged password: to it they are values
// that break a rule, like any other.
var kindTypes = map[user.Kind]string{
	user.Invalid:       typeValue,
	user.TooShort:      typeStringTooShort,
	user.TooLong:       typeStringTooLong,
	user.Mismatch:      typeValue,
	user.SameAsCurrent: typeValue,
	user.TooWeak:       typePasswordTooWeak,
}

// fieldProblem is one rejected value in the seed's words: where it was, its type and why.
type fieldProblem struct {
	in    string // inBody, inPath or inQuery
	field string // empty: the whole of in
	typ   string
	msg   string
}

// fieldProblems is what a 422 lists. The decoder reports problems only JSON has (an unknown member,
// a number for a string) directly; the core's ValidationErrors become fieldProblems in located.
type fieldProblems []*fieldProblem

func (ps fieldProblems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		where := p.in
		if p.field != "" {
			where += "." + p.field
		}
		msgs[i] = where + ": " + p.msg
	}
	return "invalid input: " + strings.Join(msgs, "; ")
}

// err returns nil when ps is empty, so that no empty list passes for an error.
func (ps fieldProblems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// located restates the core's validation errors in err as problems found in the part of the
// request in names; any other error comes back as it was.
func located(in string, err error) error {
	var many user.ValidationErrors
	var one *user.ValidationError
	switch {
	case errors.As(err, &many):
	case errors.As(err, &one):
		many = user.ValidationErrors{one}
	default:
		return err
	}
	ps := make(fieldProblems, len(many))
	for i, e := range many {
		typ, ok := kindTypes[e.Kind]
		if !ok {
			// Still the client's mistake, so still a 422; TestEveryKindHasAType keeps this branch cold.
			typ = typeValue
		}
		ps[i] = &fieldProblem{in: in, field: e.Field, typ: typ, msg: e.Msg}
	}
	return ps
}

func writeValidation(w http.ResponseWriter, ps fieldProblems) {
	listed := ps[:min(len(ps), maxProblems)]
	items := make([]validationItem, 0, len(listed)+1)
	for _, p := range listed {
		loc := []any{p.in}
		if p.field != "" {
			loc = append(loc, clip(p.field, maxLocName))
		}
		items = append(items, validationItem{Loc: loc, Msg: clip(p.msg, maxMsg), Type: p.typ})
	}
	if rest := len(ps) - len(listed); rest > 0 {
		items = append(items, validationItem{
			Loc:  []any{ps[len(listed)].in},
			Msg:  fmt.Sprintf("%d more problems were not listed", rest),
			Type: typeTooManyErrors,
		})
	}
	writeJSON(w, http.StatusUnprocessableEntity, struct {
		Detail []validationItem `json:"detail"`
	}{items})
}

// clip shortens s, ending it with "…", so that JSON-encoded (as writeJSON encodes, HTML escaping
// included) it takes at most limit bytes.
func clip(s string, limit int) string {
	const ellipsis = "…"
	size, cut := 0, 0
	for i, r := range s {
		if size+len(ellipsis) <= limit {
			cut = i // s[:i] and the ellipsis still fit
		}
		size += encodedLen(r)
		if size > limit {
			return s[:cut] + ellipsis
		}
	}
	return s
}

// encodedLen is how many bytes encoding/json writes for r inside a string.
func encodedLen(r rune) int {
	switch {
	case r == '"' || r == '\\':
		return 2
	case r < 0x20 || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029' || r == utf8.RuneError:
		return 6
	}
	return utf8.RuneLen(r)
}
