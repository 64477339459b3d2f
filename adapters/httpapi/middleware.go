package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/authd/authd/core/user"
)

type requestIDKey struct{}
type logFieldsKey struct{}

// logFields collects what inner handlers learn (the user) for the access log line.
type logFields struct{ route, userID string }

// noteUser names the account a request acted on in its access-log line.
func noteUser(r *http.Request, u *user.User) {
	if f, ok := r.Context().Value(logFieldsKey{}).(*logFields); ok {
		f.userID = string(u.ID)
	}
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// statusRecorder remembers the status for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection through the recorder: flushing, read
// and write deadlines (a drain's), full duplex.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// middleware wraps every route: request id, security headers, panic recovery and one access-log line.
func (a *API) middleware(next *mux.Router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		fields := &logFields{}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey{}, id), logFieldsKey{}, fields)
		r = r.WithContext(ctx)

		h := w.Header()
		h.Set("X-Request-ID", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		// Every answer here is about credentials or personal data: no cache may keep it.
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")

		rec := &statusRecorder{ResponseWriter: w}
		a.metrics.InFlight(1)
		defer a.metrics.InFlight(-1)
		defer func() {
			if p := recover(); p != nil {
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(p)
				}
				a.log.ErrorContext(ctx, "panic serving request", "request_id", id, "panic", p)
				if rec.status == 0 {
					writeJSON(rec, http.StatusInternalServerError, problem{Detail: "Internal server error", Code: "internal_error"})
				}
			}
			route := fields.route
			if route == "" {
				route = "unmatched"
			}
			took := time.Since(start)
			a.log.InfoContext(ctx, "request",
				"request_id", id, "method", r.Method, "route", route, "status", rec.status,
				"duration_ms", float64(took.Microseconds())/1000, "user_id", fields.userID,
				"client_ip", clientIP(r, a.proxies), "user_agent", logUserAgent(r.UserAgent()))
			status := rec.status
			if status == 0 {
				// A handler that wrote nothing answered 200.
				status = http.StatusOK
			}
			a.metrics.Request(route, methodLabel(r.Method), status, took)
		}()
		next.ServeHTTP(rec, r)
	})
}

// maxLogUserAgent is how much of a user agent an access-log line carries, in characters: enough to
// tell clients apart, while a client can't make every line of its own kilobytes long.
const maxLogUserAgent = 200

func logUserAgent(ua string) string {
	ua = strings.ToValidUTF8(ua, "\uFFFD")
	if utf8.RuneCountInString(ua) > maxLogUserAgent {
		ua = string([]rune(ua)[:maxLogUserAgent])
	}
	return ua
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recordRoute notes the matched route template; only mux knows it, and only inside the router.
func recordRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := r.Context().Value(logFieldsKey{}).(*logFields); ok {
			if m := mux.CurrentRoute(r); m != nil {
				f.route, _ = m.GetPathTemplate()
			}
		}
		next.ServeHTTP(w, r)
	})
}
