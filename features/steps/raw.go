package steps

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// rawExchange is what one raw connection carried: the responses read off it, in order, and whether
// the server closed it.
type rawExchange struct {
	responses []*http.Response
	bodies    [][]byte
	closed    bool
	reset     bool
}

// registerRaw adds the steps that write bytes on a connection of their own: the framing faults an
// HTTP client library refuses to send, and requests it would send but the document can't judge.
func (w *world) registerRaw(sc *godog.ScenarioContext) {
	sc.Step(`^I send on a new connection:$`, func(doc *godog.DocString) error { return w.sendRaw(doc, false) })
	sc.Step(`^I send on a new connection, then close its sending side:$`, func(doc *godog.DocString) error { return w.sendRaw(doc, true) })
	sc.Step(`^I send a GET request to "([^"]*)" on a new connection with a header of (\d+) bytes$`, w.sendHugeHeader)
	sc.Step(`^the connection should have carried (\d+) responses? and been closed$`, w.rawCarried)
	sc.Step(`^I send a POST request to "([^"]*)" with (\d+) unknown members$`, w.sendUnknownMembers)
	sc.Step(`^I send a POST request to "([^"]*)" with an unknown member whose name is (\d+) characters long$`, w.sendLongMember)
	sc.Step(`^the response body should be at most (\d+) bytes$`, w.bodyAtMost)
}

// sendRaw writes the doc string on a new connection, byte for byte: its line breaks are not sent,
// \r \n \t \\ and \xHH stand for those bytes, and {name} and example.com are expanded as elsewhere.
func (w *world) sendRaw(doc *godog.DocString, halfClose bool) error {
	text, err := w.expand(strings.ReplaceAll(doc.Content, "\n", ""))
	if err != nil {
		return err
	}
	req, err := unescape(text)
	if err != nil {
		return err
	}
	return w.exchange(req, halfClose)
}

func (w *world) sendHugeHeader(path string, n int) error {
	return w.exchange([]byte("GET "+path+" HTTP/1.1\r\nHost: authd\r\nX-Padding: "+strings.Repeat("a", n)+"\r\n\r\n"), false)
}

// exchange writes req on a new connection, reads every response until the server closes it or
// falls silent, and makes the first response the one the checking steps look at.
func (w *world) exchange(req []byte, halfClose bool) error {
	// A proxy in front would answer these bytes itself, or send others on.
	if err := w.needs("@direct"); err != nil {
		return err
	}
	c, err := w.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	// Written while reading: a server may answer (431, say) and stop reading before all is sent.
	wrote := make(chan error, 1)
	go func() {
		_, err := c.Write(req)
		if tcp, ok := c.(*net.TCPConn); ok && halfClose && err == nil {
			err = tcp.CloseWrite()
		}
		wrote <- err
	}()
	got, closed, reset := readUntilQuiet(c)
	if err := <-wrote; err != nil && !reset && !errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("write the request: %w", err)
	}
	x := rawExchange{closed: closed, reset: reset}
	for rest := got; len(rest) > 0; {
		rd := bytes.NewReader(rest)
		br := bufio.NewReader(rd)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return fmt.Errorf("response %d is not HTTP: %w; the connection carried %q", len(x.responses)+1, err, got)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return fmt.Errorf("response %d: read its body: %w", len(x.responses)+1, err)
		}
		// ReadResponse takes Connection: close out of the header (into resp.Close); the steps
		// check the header as it was sent.
		resp.Header = sentHeader(rest)
		x.responses, x.bodies = append(x.responses, resp), append(x.bodies, body)
		rest = rest[len(rest)-rd.Len()-br.Buffered():]
	}
	if len(x.responses) == 0 {
		return fmt.Errorf("no response on the connection (closed: %v, reset: %v)", closed, reset)
	}
	w.raw, w.headers = x, http.Header{}
	w.resp, w.body, w.json = x.responses[0], x.bodies[0], nil
	if strings.HasPrefix(w.resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(w.body, &w.json); err != nil {
			return fmt.Errorf("response says JSON but is not: %w: %s", err, w.body)
		}
	}
	return w.checkRaw(req)
}

// dial opens a connection of its own to the base URL's host, with TLS for https.
func (w *world) dial() (net.Conn, error) {
	u, err := url.Parse(w.base)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: 10 * time.Second}
	if u.Scheme != "https" {
		return d.Dial("tcp", u.Host)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	// HTTP/1.1 alone: these steps write HTTP/1.1 bytes.
	return tls.DialWithDialer(d, "tcp", host, &tls.Config{ServerName: u.Hostname(), NextProtos: []string{"http/1.1"}})
}

// sentHeader is the header block of the response msg starts with, as sent.
func sentHeader(msg []byte) http.Header {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(msg)))
	if _, err := tp.ReadLine(); err != nil {
		return http.Header{}
	}
	h, _ := tp.ReadMIMEHeader()
	return http.Header(h)
}

// readUntilQuiet reads until the server closes the connection (closed), resets it (reset), or
// sends nothing for a second after the first bytes (neither).
func readUntilQuiet(c net.Conn) (got []byte, closed, reset bool) {
	buf := make([]byte, 32<<10)
	wait := 10 * time.Second
	for {
		_ = c.SetReadDeadline(time.Now().Add(wait))
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if len(got) > 0 {
			wait = time.Second
		}
		switch {
		case errors.Is(err, io.EOF):
			return got, true, false
		case errors.Is(err, os.ErrDeadlineExceeded):
			return got, false, false
		case err != nil:
			return got, true, true
		}
	}
}

// checkRaw holds the first response to the OpenAPI document, as the HTTP client does for every
// other step. net/http's own answers (431, 400 for an unparsable request, 501) never reach the API
// and carry no X-Request-ID; the document describes them in prose only, so they are not checked.
func (w *world) checkRaw(req []byte) error {
	if w.resp.Header.Get("X-Request-ID") == "" {
		return nil
	}
	c, err := loadContract()
	if err != nil {
		return err
	}
	method, target, ok := requestLine(req)
	if !ok {
		return fmt.Errorf("the API answered %d to a request without a request line: %q", w.resp.StatusCode, req)
	}
	r, err := http.NewRequest(method, w.base+target, nil)
	if err != nil {
		return err
	}
	var sent []byte
	if parsed, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(req))); err == nil {
		r.Header = parsed.Header
		sent, _ = io.ReadAll(parsed.Body)
	}
	if err := c.check(r, sent, w.resp, w.body); err != nil {
		return fmt.Errorf("%s %s answered %d, which breaks the OpenAPI document (adapters/httpapi/openapi.json): %w\nbody: %.500s",
			method, target, w.resp.StatusCode, err, w.body)
	}
	return nil
}

func requestLine(req []byte) (method, target string, ok bool) {
	line, _, _ := bytes.Cut(req, []byte("\r\n"))
	parts := strings.Fields(string(line))
	if len(parts) != 3 || !strings.HasPrefix(parts[1], "/") {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// unescape turns \r, \n, \t, \\ and \xHH into their bytes and leaves everything else as written.
func unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		if i+1 == len(s) {
			return nil, fmt.Errorf("a lone \\ at the end; write \\\\ for a backslash")
		}
		i++
		switch s[i] {
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+3 > len(s) {
				return nil, fmt.Errorf("\\x needs two hex digits")
			}
			b, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("\\x%s: %w", s[i+1:i+3], err)
			}
			out = append(out, byte(b))
			i += 2
		default:
			return nil, fmt.Errorf("unknown escape \\%c: use \\r, \\n, \\t, \\\\ or \\xHH", s[i])
		}
	}
	return out, nil
}

func (w *world) rawCarried(n int) error {
	if w.raw.responses == nil {
		return fmt.Errorf("no raw connection has been used yet")
	}
	var statuses []string
	for _, r := range w.raw.responses {
		statuses = append(statuses, r.Status)
	}
	if len(w.raw.responses) != n || !w.raw.closed {
		return fmt.Errorf("the connection carried %d responses %v, closed: %v (reset: %v); want %d and closed",
			len(w.raw.responses), statuses, w.raw.closed, w.raw.reset, n)
	}
	return nil
}

func (w *world) sendUnknownMembers(path string, n int) error {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"x%d":0`, i)
	}
	b.WriteString("}")
	return w.send(http.MethodPost, path, []byte(b.String()), "application/json")
}

func (w *world) sendLongMember(path string, n int) error {
	return w.send(http.MethodPost, path, []byte(`{"`+strings.Repeat("a", n)+`":"x"}`), "application/json")
}

func (w *world) bodyAtMost(n int) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	if len(w.body) > n {
		return fmt.Errorf("the body is %d bytes, want at most %d; it starts %.300s", len(w.body), n, w.body)
	}
	return nil
}
