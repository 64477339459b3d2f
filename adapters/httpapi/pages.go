package httpapi

import (
	_ "embed" // the pages are compiled in
	"net/http"

	"github.com/gorilla/mux"
)

// The pages a mailed link opens. Each is static: its script reads the token from the address and
// sends it to the API only when the person acts, so serving a page spends nothing.
var (
	//go:embed pages/verify-email.html
	verifyEmailPage []byte
	//go:embed pages/reset-password.html
	resetPasswordPage []byte
	//go:embed pages/confirm-email.html
	confirmEmailPage []byte
	//go:embed pages/recovery.js
	recoveryScript []byte
	//go:embed pages/recovery.css
	recoveryStyle []byte
)

// pagesCSP replaces the API's "default-src 'none'" on the pages and their files: the page may load
// its own script and style and call this service, and nothing else. No inline script or style runs,
// so text the page shows can never become code.
const pagesCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// pageAssets maps what /pages/{asset} serves to its content type and contents.
var pageAssets = map[string]struct {
	contentType string
	data        []byte
}{
	"recovery.js":  {"text/javascript; charset=utf-8", recoveryScript},
	"recovery.css": {"text/css; charset=utf-8", recoveryStyle},
}

// routePages adds the pages for the links the service mails, at the root: a link stays short, and
// the pages reach the API by relative paths wherever the service is mounted.
func routePages(r *mux.Router) {
	for path, page := range map[string][]byte{
		"/verify-email":   verifyEmailPage,
		"/reset-password": resetPasswordPage,
		"/confirm-email":  confirmEmailPage,
	} {
		r.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			writePage(w, "text/html; charset=utf-8", page)
		}).Methods(http.MethodGet)
	}
	r.HandleFunc("/pages/{asset}", servePageAsset).Methods(http.MethodGet)
}

func servePageAsset(w http.ResponseWriter, r *http.Request) {
	asset, ok := pageAssets[mux.Vars(r)["asset"]]
	if !ok {
		writeJSON(w, http.StatusNotFound, problem{Detail: "Not Found", Code: "not_found"})
		return
	}
	writePage(w, asset.contentType, asset.data)
}

// writePage serves a page or one of its files. The middleware already forbids caching, sniffing and
// referrers for every answer; a page's address may hold a token, so those matter most here.
func writePage(w http.ResponseWriter, contentType string, data []byte) {
	h := w.Header()
	h.Set("Content-Security-Policy", pagesCSP)
	h.Set("Content-Type", contentType)
	_, _ = w.Write(data)
}
