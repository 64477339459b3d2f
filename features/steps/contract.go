package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/authd/authd/adapters/httpapi"
)

// contract is the OpenAPI document every exchange of the suite is held to, so the document can't
// drift from what the service does.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

// loadContract parses the document once per test binary; it never changes while the suite runs.
var loadContract = sync.OnceValues(func() (*contract, error) {
	// kin-openapi decodes JSON and plain text by itself; the docs page's files need these too.
	for _, ct := range []string{"text/html", "text/css", "text/javascript"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(httpapi.OpenAPI())
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	for _, r := range semanticRefusals {
		if !bytes.Contains(httpapi.OpenAPI(), []byte(r.documented)) {
			return nil, fmt.Errorf("semantic refusal %s at %v: the document does not say %q", r.typ, r.locs, r.documented)
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	return &contract{doc: doc, router: router}, nil
})

// validating is the transport of every client of the suite: it fails a request whose response the
// document does not describe. Requests go out as the scenario wrote them, malformed ones included;
// a request is held to the document when the service accepted it (2xx), which catches a document
// stricter than the service, and when the service refused it with 422, which catches one more
// lenient (see semanticRefusals).
type validating struct {
	next http.RoundTripper
}

func (v validating) RoundTrip(req *http.Request) (*http.Response, error) {
	c, err := loadContract()
	if err != nil {
		return nil, err
	}
	var sent []byte
	if req.Body != nil && req.GetBody != nil {
		if sent, err = readAll(req.GetBody()); err != nil {
			return nil, err
		}
	}
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := readAll(resp.Body, nil)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := c.check(req, sent, resp, body); err != nil {
		return nil, fmt.Errorf("%s %s answered %d, which breaks the OpenAPI document (adapters/httpapi/openapi.json): %w\nbody: %.500s",
			req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
	return resp, nil
}

func readAll(rc io.ReadCloser, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// check validates one exchange. A path the document lacks must get its 404, a method it lacks its
// 405: anything else the service serves there is undocumented.
func (c *contract) check(req *http.Request, sent []byte, resp *http.Response, body []byte) error {
	ctx := context.Background()
	route, params, err := c.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		route, err = c.fallback(req, http.StatusNotFound, "NotFound")
	case errors.Is(err, routers.ErrMethodNotAllowed):
		route, err = c.fallback(req, http.StatusMethodNotAllowed, "MethodNotAllowed")
	}
	if err != nil {
		return err
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: bearerPresent}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if judged := resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusUnprocessableEntity; judged && route.Operation.OperationID != "" {
		sentReq := req.Clone(ctx)
		sentReq.Body = io.NopCloser(bytes.NewReader(sent))
		err := openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
			Request: sentReq, PathParams: params, Route: route, Options: opts,
		})
		switch {
		case resp.StatusCode/100 == 2 && err != nil:
			return fmt.Errorf("the service accepted a request the document forbids: %w", err)
		case resp.StatusCode == http.StatusUnprocessableEntity && err == nil:
			if err := onlySemantic(body); err != nil {
				return fmt.Errorf("the service refused with 422 a request the document allows: %w", err)
			}
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return err
	}
	// kin-openapi checks a body only where the document describes one; where it describes none,
	// there must be none.
	if doc := route.Operation.Responses.Status(resp.StatusCode); doc != nil && len(doc.Value.Content) == 0 && len(body) > 0 {
		return fmt.Errorf("the document gives status %d no body, but it has one", resp.StatusCode)
	}
	return nil
}

// fallback is the route of a request the document has no operation for: it may only get the
// document's response for that case, components.responses[name].
func (c *contract) fallback(req *http.Request, status int, name string) (*routers.Route, error) {
	want := c.doc.Components.Responses[name]
	if want == nil {
		return nil, fmt.Errorf("the document has no components.responses.%s", name)
	}
	return &routers.Route{
		Spec: c.doc, Path: req.URL.Path, Method: req.Method, PathItem: &openapi3.PathItem{},
		Operation: &openapi3.Operation{Responses: openapi3.NewResponses(openapi3.WithStatus(status, want))},
	}, nil
}

// bearerPresent is the document's security check for accepted requests: an operation that needs a
// bearer token must not succeed without one.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if s := in.SecurityScheme; s.Type == "http" && strings.EqualFold(s.Scheme, "bearer") {
		if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
			return fmt.Errorf("no bearer token, yet the request succeeded")
		}
	}
	return nil
}

// semanticRefusal is a 422 for a rule that the document states in words because its schemas can't
// express it: a request they allow may still get it. A 422 item that matches none of these on a
// request the schemas allow is drift between the document's length, pattern, required, type or
// additionalProperties and what the service checks.
type semanticRefusal struct {
	locs       []string // where, as "body.field"; "body.*" for any member
	typ        string
	msg        string // the start of the message; empty for any
	documented string // words of the document that state the rule; loadContract checks they are there
}

var semanticRefusals = []semanticRefusal{
	{[]string{"body.confirm_password"}, "value_error", "passwords do not match", "must equal"},
	{[]string{"body.new_password"}, "value_error", "new password must differ", "must differ from `current_password`"},
	{[]string{"body.password", "body.new_password"}, "password_too_weak", "", "else `password_too_weak`"},
	{[]string{"body.email", "body.new_email"}, "value_error", "value is not a valid email address", "a plain address as RFC 5322 writes one"},
	{[]string{"body.email", "body.new_email"}, "value_error", "String must be in Unicode normalization form C", "Must be in Unicode NFC"},
	{[]string{"body.new_email"}, "value_error", "new email must differ", "must differ from the account's current address"},
	// The text rule's patterns can't name every invisible character (Hangul fillers, variation
	// selectors out of place, ZWJ between letters), and the core names the code point it refused.
	{[]string{"body.first_name", "body.last_name", "body.bio", "body.phone_number"}, "value_error", "String must not contain ", "`value_error` naming the code point"},
	{[]string{"body.*"}, "value_error", "String must not contain NUL characters", "a NUL character (U+0000) in any string"},
	{[]string{"body"}, "json_invalid", "", "duplicate names and trailing data (`json_invalid`)"},
}

// onlySemantic fails a 422 body any of whose items is not a semanticRefusal.
func onlySemantic(body []byte) error {
	var v struct {
		Detail []struct {
			Loc  []any  `json:"loc"`
			Msg  string `json:"msg"`
			Type string `json:"type"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("the 422 body is not a validation error: %w", err)
	}
	var drift []string
	for _, d := range v.Detail {
		loc := make([]string, len(d.Loc))
		for i, l := range d.Loc {
			loc[i] = fmt.Sprint(l)
		}
		if !semantic(strings.Join(loc, "."), d.Type, d.Msg) {
			drift = append(drift, fmt.Sprintf("%s at %s (%q)", d.Type, strings.Join(loc, "."), d.Msg))
		}
	}
	if len(drift) > 0 {
		return fmt.Errorf("%s: no schema of the document forbids this, and it is not a rule the document states "+
			"only in words (semanticRefusals in features/steps/contract.go); make the document and the decoder agree",
			strings.Join(drift, "; "))
	}
	return nil
}

func semantic(loc, typ, msg string) bool {
	for _, r := range semanticRefusals {
		if r.typ != typ || !strings.HasPrefix(msg, r.msg) {
			continue
		}
		for _, l := range r.locs {
			if l == loc || strings.HasSuffix(l, ".*") && strings.HasPrefix(loc, strings.TrimSuffix(l, "*")) {
				return true
			}
		}
	}
	return false
}
