// Package clientgen checks that clients generated from openapi.json by oapi-codegen and ogen, with
// no generator options, work against the running service. gen/ holds their output; make
// test-clients writes it from the document before these tests run.
package clientgen

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/paths"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/authd/authd/adapters/httpapi"
)

// spec is openapi.json as libopenapi reads it, with a validator for exchanges.
type spec struct {
	model     *v3.Document
	validator validator.Validator
}

var loadSpec = sync.OnceValues(func() (*spec, error) {
	doc, err := libopenapi.NewDocument(httpapi.OpenAPI())
	if err != nil {
		return nil, err
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, err
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return &spec{model: &m.Model, validator: v}, nil
})

func mustSpec(t *testing.T) *spec {
	t.Helper()
	s, err := loadSpec()
	if err != nil {
		t.Fatalf("load openapi.json with libopenapi: %v", err)
	}
	return s
}

// operations lists every "METHOD /path" the document describes.
func (s *spec) operations() []string {
	var ops []string
	for path, item := range s.model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(ops)
	return ops
}

// TestDocumentLints holds the document to libopenapi-validator's check against the OpenAPI 3.1
// schema and to what a client generator or a reader of generated code needs from it.
func TestDocumentLints(t *testing.T) {
	s := mustSpec(t)
	if ok, errs := s.validator.ValidateDocument(); !ok {
		for _, e := range errs {
			t.Errorf("libopenapi-validator: %s: %s", e.Message, e.Reason)
		}
	}
	info := s.model.Info
	if info.Contact == nil || info.Contact.Name == "" {
		t.Error("info.contact has no name")
	}
	if info.License == nil || info.License.Name == "" {
		t.Error("info.license has no name")
	}
	if len(s.model.Servers) == 0 {
		t.Error("no servers: a generated client has no base path to start from")
	}
	for path, item := range s.model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			if op.OperationId == "" || op.Summary == "" || op.Description == "" {
				t.Errorf("%s %s: operationId %q, summary %q, description %q: each must be there", method, path, op.OperationId, op.Summary, op.Description)
			}
			for code, resp := range op.Responses.Codes.FromOldest() {
				for name := range resp.Headers.FromOldest() {
					if name != http.CanonicalHeaderKey(name) {
						t.Errorf("%s %s %s: header %q is not as net/http writes it (%q)", method, path, code, name, http.CanonicalHeaderKey(name))
					}
				}
			}
		}
	}
}

// TestGeneratedFromTheServedDocument makes sure the clients under gen/ come from the document the
// service serves, not from another copy.
func TestGeneratedFromTheServedDocument(t *testing.T) {
	want, err := os.ReadFile("../../adapters/httpapi/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := start(t)
	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("/openapi.json is not adapters/httpapi/openapi.json, which the clients were generated from")
	}
}

// checking is the clients' transport: it holds every exchange to the document with
// libopenapi-validator and notes which operation each one was.
type checking struct {
	t    *testing.T
	spec *spec
	mu   sync.Mutex
	seen map[string]bool
}

func newChecking(t *testing.T) *checking {
	return &checking{t: t, spec: mustSpec(t), seen: map[string]bool{}}
}

func (c *checking) RoundTrip(req *http.Request) (*http.Response, error) {
	var sent []byte
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		if sent, err = io.ReadAll(body); err != nil {
			return nil, err
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(got))

	item, errs, path := paths.FindPath(req, c.spec.model, nil)
	if item == nil {
		c.t.Errorf("%s %s: the document has no such operation: %v", req.Method, req.URL.Path, errs)
		return resp, nil
	}
	c.mu.Lock()
	c.seen[req.Method+" "+path] = true
	c.mu.Unlock()

	// The validator reads both bodies: give it copies and keep the client's.
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(sent))
	checkResp := *resp
	checkResp.Body = io.NopCloser(bytes.NewReader(got))
	checkResp.Request = check
	validate := c.spec.validator.ValidateHttpRequestResponse
	if resp.StatusCode >= 400 {
		// A refused request need not match the document: only the answer is held to it.
		validate = c.spec.validator.ValidateHttpResponse
	}
	if ok, errs := validate(check, &checkResp); !ok {
		for _, e := range errs {
			c.t.Errorf("%s %s → %d breaks the document: %s: %s", req.Method, req.URL.Path, resp.StatusCode, e.Message, e.Reason)
		}
	}
	return resp, nil
}

func (c *checking) called() map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]bool, len(c.seen))
	for k, v := range c.seen {
		out[k] = v
	}
	return out
}
