package httpapi

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	swaggerfiles "github.com/swaggo/files/v2"
)

// TestOpenAPIDocumentIsValid loads the embedded document as OpenAPI 3.1 and checks it, examples
// included, so a broken edit fails here rather than in Swagger UI.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("validate: %v", err)
	}
}

func TestDocsRoutes(t *testing.T) {
	t.Parallel()
	h := New(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tests := []struct {
		path, status, contentType, body string
		docsCSP                         bool
	}{
		{"/openapi.json", "200", "application/json", `"openapi": "3.1.0"`, false},
		{"/docs", "200", "text/html; charset=utf-8", `src="docs/swagger-initializer.js"`, true},
		{"/docs/swagger-initializer.js", "200", "text/javascript; charset=utf-8", `url: "openapi.json"`, true},
		{"/docs/swagger-ui-bundle.js", "200", "text/javascript; charset=utf-8", "SwaggerUIBundle", true},
		{"/docs/swagger-ui.css", "200", "text/css; charset=utf-8", ".swagger-ui", true},
		{"/docs/favicon-32x32.png", "200", "image/png", "PNG", true},
		{"/docs/favicon-16x16.png", "200", "image/png", "PNG", true},
		{"/docs/swagger-ui-bundle.js.map", "404", "application/json", `"code":"not_found"`, false},
		{"/docs/index.html", "404", "application/json", `"code":"not_found"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			res := rec.Result()
			if got := res.Status[:3]; got != tt.status {
				t.Fatalf("status %s, want %s", res.Status, tt.status)
			}
			if got := res.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("body lacks %q", tt.body)
			}
			csp := res.Header.Get("Content-Security-Policy")
			if tt.docsCSP != (csp == docsCSP) {
				t.Errorf("Content-Security-Policy %q (want the docs policy: %v)", csp, tt.docsCSP)
			}
			if !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q lets other sites frame the page", csp)
			}
		})
	}
}

// TestDocsTrailingSlash: /docs/ leads to the page by a relative redirect (served at /docs/, the
// page's relative links would miss its assets).
func TestDocsTrailingSlash(t *testing.T) {
	t.Parallel()
	h := New(Options{Log: slog.New(slog.DiscardHandler)})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/docs/", nil))
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "../docs" {
		t.Fatalf("GET /docs/: %d, Location %q; want 301 to ../docs", rec.Code, rec.Header().Get("Location"))
	}
	loc, err := httptest.NewRequest(http.MethodGet, "/docs/", nil).URL.Parse(rec.Header().Get("Location"))
	if err != nil || loc.Path != "/docs" {
		t.Fatalf("the redirect resolves to %v (%v), want /docs", loc, err)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, loc.Path, nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "swagger-ui") {
		t.Errorf("GET %s after the redirect: %d", loc.Path, rec.Code)
	}
}

// TestDocsAssetsMatchSwaggoFiles: the Swagger UI files compiled in are those of the swaggo/files
// release go.mod pins, so upgrading it is one go get and the copy docs/README.md gives.
func TestDocsAssetsMatchSwaggoFiles(t *testing.T) {
	t.Parallel()
	for name := range docsAssets {
		ours, err := docsFiles.ReadFile("docs/" + name)
		if err != nil {
			t.Errorf("%s is served but not embedded: %v", name, err)
			continue
		}
		if name == "swagger-initializer.js" {
			continue // authd's own
		}
		theirs, err := fs.ReadFile(swaggerfiles.FS, name)
		if err != nil {
			t.Errorf("swaggo/files no longer ships %s: %v", name, err)
			continue
		}
		if !bytes.Equal(ours, theirs) {
			t.Errorf("docs/%s differs from swaggo/files' copy: update it as adapters/httpapi/docs/README.md says", name)
		}
	}
}
