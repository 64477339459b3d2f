package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"
)

// TestAccessLogNamesTheClient: the line carries the address throttling keys on (the hop before a
// trusted proxy, not what the client wrote first in X-Forwarded-For) and at most 200 characters of
// the user agent.
func TestAccessLogNamesTheClient(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	proxy := netip.MustParsePrefix("10.0.0.0/8")
	h := testAPI(t, Options{Log: slog.New(slog.NewJSONHandler(&out, nil)), TrustedProxies: []netip.Prefix{proxy}})
	r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	r.RemoteAddr = "10.1.2.3:4444"
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7")
	r.Header.Set("User-Agent", strings.Repeat("é", 300))
	h.ServeHTTP(httptest.NewRecorder(), r)

	var line struct {
		Msg       string `json:"msg"`
		ClientIP  string `json:"client_ip"`
		UserAgent string `json:"user_agent"`
		Status    int    `json:"status"`
	}
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("access log %q: %v", out.String(), err)
	}
	if line.Msg != "request" || line.Status != http.StatusOK {
		t.Fatalf("logged %+v, want the request line", line)
	}
	if line.ClientIP != "203.0.113.7" {
		t.Errorf("client_ip %q, want 203.0.113.7 (the hop the trusted proxy saw)", line.ClientIP)
	}
	if n := utf8.RuneCountInString(line.UserAgent); n != maxLogUserAgent || !strings.HasPrefix(line.UserAgent, "éé") {
		t.Errorf("user_agent has %d characters (%q...), want the first %d", n, line.UserAgent[:8], maxLogUserAgent)
	}
}

// TestResponseControllerReachesTheConnection: handlers behind the middleware (and its status
// recorder) can flush, set deadlines and go full duplex through http.ResponseController.
func TestResponseControllerReachesTheConnection(t *testing.T) {
	t.Parallel()
	a := &API{log: slog.New(slog.DiscardHandler), metrics: noMetrics{}}
	r := mux.NewRouter()
	errs := make(chan error, 4)
	r.HandleFunc("/stream", func(w http.ResponseWriter, _ *http.Request) {
		rc := http.NewResponseController(w)
		errs <- rc.SetReadDeadline(time.Now().Add(time.Minute))
		errs <- rc.SetWriteDeadline(time.Now().Add(time.Minute))
		errs <- rc.EnableFullDuplex()
		_, _ = io.WriteString(w, "first")
		errs <- rc.Flush()
	})
	srv := httptest.NewServer(a.middleware(r))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("through the recorder: %v", err)
		}
	}
}
