package steps

import (
	"bytes"
	"context"
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
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	return &contract{doc: doc, router: router}, nil
})

// validating is the transport of every client of the suite: it fails a request whose response the
// document does not describe. Requests go out as the scenario wrote them, malformed ones included;
// a request is held to the document only when the service accepted it (2xx), which catches a
// document stricter than the service.
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
	if resp.StatusCode/100 == 2 && route.Operation.OperationID != "" {
		accepted := req.Clone(ctx)
		accepted.Body = io.NopCloser(bytes.NewReader(sent))
		if err := openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
			Request: accepted, PathParams: params, Route: route, Options: opts,
		}); err != nil {
			return fmt.Errorf("the service accepted a request the document forbids: %w", err)
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
