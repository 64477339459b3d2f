package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"time"
)

// Reasons a request body could not be read; they label authd_http_malformed_bodies_total.
const (
	bodyTruncated = "truncated" // it ended before its Content-Length, or inside a chunk
	bodyChunking  = "chunked"   // its chunked transfer coding is malformed
	bodyTimeout   = "timeout"   // it did not arrive before the server's read deadline
)

// malformedBodyDetails are the only things a client learns: net/http's own messages stay in the log.
var malformedBodyDetails = map[string]string{
	bodyTruncated: "The request body could not be read: it ended before its declared length",
	bodyChunking:  "The request body could not be read: its chunked transfer coding is malformed",
	bodyTimeout:   "The request body could not be read: it did not arrive in time",
}

// malformedBodyError is a body the client framed or sent wrongly: a 400, never a server fault.
type malformedBodyError struct {
	reason string
	err    error
}

func (e *malformedBodyError) Error() string {
	return fmt.Sprintf("malformed request body (%s): %v", e.reason, e.err)
}

func (e *malformedBodyError) Unwrap() error { return e.err }

// chunkedFramingErrors are the texts of the errors Go 1.26's net/http returns, unexported, for a
// chunked body it cannot decode (net/http/internal/chunked.go, and readTrailer in transfer.go).
// Matching on text is the only way to tell them from a fault of ours; TestMalformedBodiesAre400
// sends each of them through a real server, so a Go release that rewords one fails that test
// instead of turning a client's mistake back into a 500.
var chunkedFramingErrors = map[string]bool{
	"malformed chunked encoding":                         true,
	"chunked line ends with bare LF":                     true,
	"invalid CR in chunked line":                         true,
	"header line too long":                               true,
	"empty hex number for chunk length":                  true,
	"invalid byte in chunk length":                       true,
	"http chunk length too large":                        true,
	"chunked encoding contains too much non-data":        true,
	"http: unexpected EOF reading trailer":               true,
	"http: suspiciously long trailer after chunked body": true,
}

// bodyReadError says what a failure to read r's body means for the answer: too large (413), the
// client's malformed body (400), the client gone (499), or, for anything else, our fault (500).
func bodyReadError(r *http.Request, err error) error {
	var tooLarge *http.MaxBytesError
	var trailer textproto.ProtocolError
	var conn *net.OpError
	switch {
	case errors.As(err, &tooLarge):
		return errTooLarge
	case errors.Is(err, io.ErrUnexpectedEOF):
		// Also what a client that disconnects mid-body looks like: the two can't be told apart
		// without writing, and a 400 nobody reads costs nothing.
		return &malformedBodyError{reason: bodyTruncated, err: err}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &malformedBodyError{reason: bodyTimeout, err: err}
	case len(r.TransferEncoding) > 0 && (chunkedFramingErrors[err.Error()] || errors.As(err, &trailer)):
		return &malformedBodyError{reason: bodyChunking, err: err}
	case errors.As(err, &conn) && r.Context().Err() != nil:
		// net/http cancels the request's context when the connection fails: the client is gone,
		// which writeError answers with 499 like any other cancellation.
		return fmt.Errorf("read body: the connection failed: %w (%w)", r.Context().Err(), err)
	}
	return fmt.Errorf("read body: %w", err)
}

// drainLimit is how much of an oversized body is read before the 413, and drainTime how long that
// may take. A client that writes its whole body before reading the answer (most do) would
// otherwise meet a reset: the server closes with the rest unread, and the reset makes the client's
// kernel drop the 413 it had already received. 4 MiB covers the bodies honest clients send by
// mistake; anything larger gets Connection: close and net/http's lingering close.
const (
	drainLimit = 4 << 20
	drainTime  = 5 * time.Second
)

// drain reads and discards what is left of an oversized body, within drainLimit and drainTime,
// and asks for the connection to be closed when some of it stays unread.
func drain(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > drainLimit {
		w.Header().Set("Connection", "close")
		return
	}
	rc := http.NewResponseController(w)
	// Without a deadline (a writer that can't set one) the server's ReadTimeout still bounds it.
	deadline := rc.SetReadDeadline(time.Now().Add(drainTime)) == nil
	n, err := io.CopyN(io.Discard, r.Body, drainLimit)
	if deadline {
		_ = rc.SetReadDeadline(time.Time{})
	}
	if n == drainLimit || (err != nil && !errors.Is(err, io.EOF)) {
		w.Header().Set("Connection", "close")
	}
}
