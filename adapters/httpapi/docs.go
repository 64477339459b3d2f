package httpapi

import (
	"bytes"
	"embed"
	"net/http"

	"github.com/gorilla/mux"
)

// openAPIDocument is the API's description; the acceptance suite holds every response to it.
//
//go:embed openapi.json
var openAPIDocument []byte

// docsPage is the Swagger UI page; the files it loads are in docsFiles.
//
//go:embed docs/index.html
var docsPage []byte

// docsFiles are the page's assets: the initializer that starts Swagger UI on /openapi.json, and the
// four files of Swagger UI's build the page loads, copied from swaggo/files (docs/README.md). Only
// these are compiled in: the whole build, source maps and other bundles included, is 11 MB.
//
//go:embed docs/swagger-initializer.js docs/swagger-ui.css docs/swagger-ui-bundle.js docs/favicon-16x16.png docs/favicon-32x32.png
var docsFiles embed.FS

// docsCSP replaces the API's "default-src 'none'" on the docs routes only: the page may load its own
// scripts, styles and images (Swagger UI's icons are data: URIs) and fetch the document, nothing else.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// docsAssets maps what /docs/{asset} serves to its content type: each of docsFiles, and nothing else.
var docsAssets = map[string]string{
	"swagger-ui.css":         "text/css; charset=utf-8",
	"swagger-ui-bundle.js":   "text/javascript; charset=utf-8",
	"favicon-16x16.png":      "image/png",
	"favicon-32x32.png":      "image/png",
	"swagger-initializer.js": "text/javascript; charset=utf-8",
}

// OpenAPI returns the OpenAPI 3.1 document served at /openapi.json.
func OpenAPI() []byte { return bytes.Clone(openAPIDocument) }

// routeDocs adds the OpenAPI document and Swagger UI, whose assets are embedded in the binary so the
// page works without any outside network.
func routeDocs(r *mux.Router) {
	r.HandleFunc("/openapi.json", serveOpenAPI).Methods(http.MethodGet)
	r.HandleFunc("/docs", serveDocsPage).Methods(http.MethodGet)
	r.HandleFunc("/docs/", redirectDocs).Methods(http.MethodGet)
	r.HandleFunc("/docs/{asset}", serveDocsAsset).Methods(http.MethodGet)
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
}

func serveDocsPage(w http.ResponseWriter, _ *http.Request) {
	writeFile(w, "text/html; charset=utf-8", docsPage)
}

// redirectDocs sends /docs/ to the page: served there, its relative links would miss the assets.
// The Location is relative so the redirect also holds behind a proxy that mounts authd under a path.
func redirectDocs(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Location", "../docs")
	w.WriteHeader(http.StatusMovedPermanently)
}

func serveDocsAsset(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["asset"]
	contentType, ok := docsAssets[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, problem{Detail: "Not Found", Code: "not_found"})
		return
	}
	data, err := docsFiles.ReadFile("docs/" + name)
	if err != nil {
		// docsAssets names a file the embed directive left out: a build mistake the docs test catches.
		writeJSON(w, http.StatusNotFound, problem{Detail: "Not Found", Code: "not_found"})
		return
	}
	writeFile(w, contentType, data)
}

func writeFile(w http.ResponseWriter, contentType string, data []byte) {
	w.Header().Set("Content-Security-Policy", docsCSP)
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(data)
}
