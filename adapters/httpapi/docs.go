package httpapi

import (
	"bytes"
	_ "embed" // the document and the page are compiled in
	"io/fs"
	"net/http"

	"github.com/gorilla/mux"
	swaggerfiles "github.com/swaggo/files/v2"
)

// openAPIDocument is the API's description; the acceptance suite holds every response to it.
//
//go:embed openapi.json
var openAPIDocument []byte

// docsPage is the Swagger UI page; the files it loads are docsInitializer and swaggo/files' build.
//
//go:embed docs/index.html
var docsPage []byte

// docsInitializer starts Swagger UI on /openapi.json.
//
//go:embed docs/swagger-initializer.js
var docsInitializer []byte

// docsCSP replaces the API's "default-src 'none'" on the docs routes only: the page may load its own
// scripts, styles and images (Swagger UI's icons are data: URIs) and fetch the document, nothing else.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// docsAssets maps what /docs/{asset} serves to its content type: only what the page needs, never
// the source maps or other builds swaggo/files also ships.
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
	r.HandleFunc("/docs/{asset}", serveDocsAsset).Methods(http.MethodGet)
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
}

func serveDocsPage(w http.ResponseWriter, _ *http.Request) {
	writeFile(w, "text/html; charset=utf-8", docsPage)
}

func serveDocsAsset(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["asset"]
	contentType, ok := docsAssets[name]
	data := docsInitializer
	if ok && name != "swagger-initializer.js" {
		var err error
		// Only a swaggo/files release without this file fails here; the page then lacks it, as with any 404.
		data, err = fs.ReadFile(swaggerfiles.FS, name)
		ok = err == nil
	}
	if !ok {
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
