package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// levels is a slog.Handler that keeps the level and the "error" attribute of every record.
type levels struct {
	mu     sync.Mutex
	seen   []slog.Level
	errors []string
}

func (l *levels) Enabled(context.Context, slog.Level) bool { return true }
func (l *levels) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, r.Level)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" {
			l.errors = append(l.errors, a.Value.String())
		}
		return true
	})
	return nil
}
func (l *levels) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *levels) WithGroup(string) slog.Handler      { return l }

// rawPost sends head+body on a new connection to srv (half-closing it when asked, as a client
// that has nothing more to send does) and reads one response.
func rawPost(t *testing.T, srv *httptest.Server, head, body string, halfClose bool) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+head+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	if halfClose {
		_ = c.(*net.TCPConn).CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// Every way net/http reports a body it could not read, sent through a real server: each is the
// client's fault (400 malformed_body), counted by reason, logged at info at most.
func TestMalformedBodiesAre400(t *testing.T) {
	t.Parallel()
	chunked := "Transfer-Encoding: chunked\r\n"
	for _, tt := range []struct {
		name, head, body string
		halfClose        bool
		reason, cause    string // cause: what net/http said, as logged
	}{
		{"shorter than Content-Length", "Content-Length: 100\r\n", `{"email":`, true, bodyTruncated, "unexpected EOF"},
		{"chunk cut short", chunked, "10\r\n{\"email\":", true, bodyTruncated, "unexpected EOF"},
		{"chunk size too large", chunked, "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n", false, bodyChunking, "http chunk length too large"},
		{"bare LF after the chunk size", chunked, "2\n{}\r\n0\r\n\r\n", false, bodyChunking, "chunked line ends with bare LF"},
		{"non-hex chunk size", chunked, "zz\r\n{}\r\n0\r\n\r\n", false, bodyChunking, "invalid byte in chunk length"},
		{"empty chunk size", chunked, ";ext\r\n{}\r\n0\r\n\r\n", false, bodyChunking, "empty hex number for chunk length"},
		{"CR inside the chunk line", chunked, "2\r;x\r\n{}\r\n0\r\n\r\n", false, bodyChunking, "invalid CR in chunked line"},
		{"no CRLF after the chunk data", chunked, "2\r\n{}XX0\r\n\r\n", false, bodyChunking, "malformed chunked encoding"},
		{"chunk line over 4 KiB", chunked, "2;" + strings.Repeat("x", 5000) + "\r\n{}\r\n0\r\n\r\n", false, bodyChunking, "header line too long"},
		{"chunk extensions outweigh the data", chunked, strings.Repeat("1;"+strings.Repeat("x", 200)+"\r\n \r\n", 200) + "0\r\n\r\n", false, bodyChunking, "chunked encoding contains too much non-data"},
		{"trailer cut short", chunked, "2\r\n{}\r\n0\r\n", true, bodyChunking, "http: unexpected EOF reading trailer"},
		{"malformed trailer line", chunked, "2\r\n{}\r\n0\r\nnot a header\r\n\r\n", false, bodyChunking, "malformed MIME header"},
		{"trailer over the read buffer", chunked, "2\r\n{}\r\n0\r\nX-Pad: " + strings.Repeat("x", 5000) + "\r\n\r\n", false, bodyChunking, "http: suspiciously long trailer after chunked body"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, log := &recording{}, &levels{}
			srv := httptest.NewServer(testAPI(t, Options{Metrics: m, Log: slog.New(log)}))
			defer srv.Close()
			resp, data := rawPost(t, srv, tt.head, tt.body, tt.halfClose)
			var p problem
			if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(data, &p) != nil || p.Code != "malformed_body" {
				t.Fatalf("%d %s, want 400 malformed_body", resp.StatusCode, data)
			}
			if p.Detail != malformedBodyDetails[tt.reason] {
				t.Errorf("detail %q, want %q", p.Detail, malformedBodyDetails[tt.reason])
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			if strings.Join(m.bodies, ",") != tt.reason {
				t.Errorf("counted %v, want [%s]", m.bodies, tt.reason)
			}
			log.mu.Lock()
			defer log.mu.Unlock()
			for _, l := range log.seen {
				if l > slog.LevelInfo {
					t.Errorf("logged at %v", l)
				}
			}
			if logged := strings.Join(log.errors, "; "); !strings.Contains(logged, tt.cause) {
				t.Errorf("logged errors %q, want one saying %q", logged, tt.cause)
			}
		})
	}
}

// failingBody is a request body whose reads fail with err.
type failingBody struct{ err error }

func (b failingBody) Read([]byte) (int, error) { return 0, b.err }

// Failures that are not the client's framing keep their own answers: a connection that broke
// under a request whose context net/http then cancelled is the client gone (499), and an error
// nobody anticipated is still a 500.
func TestBodyReadFailuresThatAreNotMalformedBodies(t *testing.T) {
	t.Parallel()
	h := testAPI(t, Options{})
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	for _, tt := range []struct {
		name    string
		err     error
		chunked bool
		cancel  bool
		want    int
	}{
		{"connection reset, context cancelled", reset, false, true, 499},
		{"an unknown error", errors.New("something nobody planned for"), false, false, http.StatusInternalServerError},
		{"a chunked-sounding error on a body that is not chunked", errors.New("malformed chunked encoding"), false, false, http.StatusInternalServerError},
		{"connection reset, context alive", reset, false, false, http.StatusInternalServerError},
		{"a deadline", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, false, true, http.StatusBadRequest},
		{"a chunked framing error", errors.New("invalid byte in chunk length"), true, false, http.StatusBadRequest},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		if tt.cancel {
			cancel()
		}
		r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/v1/auth/login", io.NopCloser(failingBody{tt.err}))
		r.Header.Set("Content-Type", "application/json")
		r.ContentLength = -1
		if tt.chunked {
			r.TransferEncoding = []string{"chunked"}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		cancel()
		if w.Code != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, w.Code, w.Body, tt.want)
		}
	}
}
