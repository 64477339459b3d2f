package httpapi

import "net/http"

// Framing closes the connection after answering any request whose framing a proxy in front may
// have read differently, so that nothing after it on the connection is taken for a request
// (RFC 9112 §6.1). net/http hides the two cases that call for it: it drops Content-Length when
// Transfer-Encoding: chunked is present, and drops Transfer-Encoding from HTTP/1.0 requests, so
// neither can be seen from a handler. What it leaves is enough to cover both: every request that
// arrived chunked, and every HTTP/1.0 request, is answered with Connection: close. The cost is
// keep-alive for those clients only; API clients send Content-Length and speak HTTP/1.1.
func Framing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 || !r.ProtoAtLeast(1, 1) {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
