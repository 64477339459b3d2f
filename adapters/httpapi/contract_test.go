package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/fake"
)

// document is openapi.json with a router to its operations, as the acceptance suite uses them.
type document struct {
	spec   *openapi3.T
	router routers.Router
}

// loadDocument parses the document once. Body decoders are registered before any test validates
// with them: kin-openapi keeps them in a package-level map.
var loadDocument = sync.OnceValues(func() (*document, error) {
	for _, ct := range []string{"text/html", "text/css", "text/javascript"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	spec, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		return nil, err
	}
	return &document{spec: spec, router: router}, nil
})

// holdToDocument fails the test when an exchange breaks openapi.json: a request the service
// accepted must be one the document allows, and every answer must be one it describes, headers
// and body included, with no body where it describes none.
func holdToDocument(t *testing.T, r *http.Request, sent string, w *httptest.ResponseRecorder) {
	t.Helper()
	doc, err := loadDocument()
	if err != nil {
		t.Fatal(err)
	}
	route, params, err := doc.router.FindRoute(r)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		route, err = doc.fallback(r, http.StatusNotFound, "NotFound")
	case errors.Is(err, routers.ErrMethodNotAllowed):
		route, err = doc.fallback(r, http.StatusMethodNotAllowed, "MethodNotAllowed")
	}
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	ctx := context.Background()
	opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }}
	if w.Code/100 == 2 {
		req := r.Clone(ctx)
		req.Body = io.NopCloser(strings.NewReader(sent))
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s: the service accepted a request the document forbids: %v", r.Method, r.URL.Path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts},
		Status:                 w.Code, Header: w.Header(), Body: io.NopCloser(bytes.NewReader(w.Body.Bytes())), Options: opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s answered %d, which breaks the document: %v\nbody: %.300s", r.Method, r.URL.Path, w.Code, err, w.Body)
	}
	if doc := route.Operation.Responses.Status(w.Code); doc != nil && len(doc.Value.Content) == 0 && w.Body.Len() > 0 {
		t.Errorf("%s %s: the document gives %d no body, but it has one: %s", r.Method, r.URL.Path, w.Code, w.Body)
	}
}

// fallback is the route of a request the document has no operation for: it may only get the
// document's answer for that case, components.responses[name].
func (d *document) fallback(r *http.Request, status int, name string) (*routers.Route, error) {
	want := d.spec.Components.Responses[name]
	if want == nil {
		return nil, fmt.Errorf("the document has no components.responses.%s", name)
	}
	return &routers.Route{
		Spec: d.spec, Path: r.URL.Path, Method: r.Method, PathItem: &openapi3.PathItem{},
		Operation: &openapi3.Operation{Responses: openapi3.NewResponses(openapi3.WithStatus(status, want))},
	}, nil
}

// world is one API over fake ports with mail, whose throttle limits are small enough to reach.
type world struct {
	h     http.Handler
	users *fake.Users
	creds *credential.Service
	clock *fake.Clock
	ip    string // the client address requests come from
	ua    string // the User-Agent requests send; none when empty
}

// Limits of the world's throttle.
const (
	mailPerAccount = 3
	tokenFailures  = 5
)

// newWorld builds a world; configure, if given, changes the credential config first.
func newWorld(t *testing.T, configure ...func(*credential.Config)) *world {
	t.Helper()
	users := fake.NewUsers()
	clk := fake.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	limits := throttle.Config{
		LoginMaxFailures: 5, LoginWindow: time.Hour,
		MailMaxPerAccount: mailPerAccount, MailWindow: time.Hour, TokenMaxFailures: tokenFailures,
	}
	cfg := credential.Config{
		AccessTTL: time.Hour, RefreshTTL: time.Hour, ResetTTL: time.Hour, VerifyTTL: time.Hour, EmailChangeTTL: time.Hour,
	}
	for _, c := range configure {
		c(&cfg)
	}
	creds := credential.NewService(credential.Deps{
		Users: users, Sessions: fake.NewSessions(users), Hasher: &fake.Hasher{}, Policy: credential.NewPolicy(fake.Meter{}),
		Throttle: throttle.New(fake.NewAttempts(), clk, limits), Tokens: fake.Tokens{}, Clock: clk, IDs: &fake.IDs{},
		Outbox: users.Mail, Timeline: users.Timeline, Config: cfg, Lister: users, Eraser: users,
	})
	h := New(Options{
		Credentials: creds, Users: user.NewService(users), Log: slog.New(slog.DiscardHandler),
		Ready: func(context.Context) error { return nil },
	})
	return &world{h: h, users: users, creds: creds, clock: clk, ip: "192.0.2.1"}
}

// send makes one request from w.ip, with a bearer token when one is given, and holds the exchange
// to the document.
func (w *world) send(t *testing.T, method, path, bearer, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = w.ip + ":40000"
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	if w.ua != "" {
		r.Header.Set("User-Agent", w.ua)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	holdToDocument(t, r, body, rec)
	return rec
}

// register creates an account with the password SecurePass123! and returns an access token of it.
func (w *world) register(t *testing.T, email string) string {
	t.Helper()
	body := `{"email":"` + email + `","password":"SecurePass123!","confirm_password":"SecurePass123!","first_name":"Ada","last_name":"Lovelace"}`
	if rec := w.send(t, http.MethodPost, "/api/v1/auth/register", "", body); rec.Code != http.StatusCreated {
		t.Fatalf("register %s: %d %s", email, rec.Code, rec.Body)
	}
	return w.login(t, email, "SecurePass123!")
}

// login returns an access token, or fails the test.
func (w *world) login(t *testing.T, email, password string) string {
	t.Helper()
	rec := w.send(t, http.MethodPost, "/api/v1/auth/login", "", `{"email":"`+email+`","password":"`+password+`"}`)
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &pair) != nil {
		t.Fatalf("login %s: %d %s", email, rec.Code, rec.Body)
	}
	return pair.AccessToken
}

// link delivers the newest queued notice of kind to the address as the courier would, and returns
// the token its letter carries: what the person finds in the mail.
func (w *world) link(t *testing.T, kind user.NoticeKind, to string) string {
	t.Helper()
	var last *mail.Message
	for _, m := range w.users.Mail.Messages() {
		if m.Kind == kind && m.To == to {
			last = &m
		}
	}
	if last == nil {
		t.Fatalf("no %s notice to %s was queued", kind, to)
	}
	l, err := w.creds.Compose(context.Background(), last.Notice)
	if err != nil || l == nil || l.Token == "" {
		t.Fatalf("compose the %s notice to %s: %+v, %v", kind, to, l, err)
	}
	return l.Token
}

// queued counts the notices of kind to the address in the outbox.
func (w *world) queued(kind user.NoticeKind, to string) int {
	n := 0
	for _, m := range w.users.Mail.Messages() {
		if m.Kind == kind && m.To == to {
			n++
		}
	}
	return n
}

// tokenBody is a request body holding one token.
func tokenBody(token string) string {
	b, _ := json.Marshal(map[string]string{"token": token})
	return string(b)
}

// wantProblem fails the test unless rec is status with exactly {"detail": detail, "code": code}.
func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code, detail string) {
	t.Helper()
	want, _ := json.Marshal(problem{Detail: detail, Code: code})
	if rec.Code != status || strings.TrimSpace(rec.Body.String()) != string(want) {
		t.Errorf("%d %s, want %d %s", rec.Code, rec.Body, status, want)
	}
}

// wantValidation fails the test unless rec is a 422 whose only item is typ at body.field.
func wantValidation(t *testing.T, rec *httptest.ResponseRecorder, field, typ string) {
	t.Helper()
	var got struct{ Detail []validationItem }
	if rec.Code != http.StatusUnprocessableEntity || json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got.Detail) != 1 {
		t.Errorf("%d %s, want a 422 with one item, %s at body.%s", rec.Code, rec.Body, typ, field)
		return
	}
	if it := got.Detail[0]; it.Type != typ || len(it.Loc) != 2 || it.Loc[0] != inBody || it.Loc[1] != field {
		t.Errorf("422 item %+v, want %s at body.%s", it, typ, field)
	}
}

// wantThrottled fails the test unless rec is a 429 too_many_attempts with a Retry-After in seconds.
func wantThrottled(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	var p problem
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if rec.Code != http.StatusTooManyRequests || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Code != "too_many_attempts" || err != nil || secs <= 0 {
		t.Errorf("%d %s (Retry-After %q), want 429 too_many_attempts with a Retry-After", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
}
