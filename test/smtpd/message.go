package smtpd

import (
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"
)

// Message is one message the server took, as sent and as a reader would see it.
type Message struct {
	From       string              `json:"from"` // envelope sender (MAIL FROM)
	To         []string            `json:"to"`   // envelope recipients (RCPT TO)
	User       string              `json:"user"` // who authenticated, empty without AUTH
	TLS        bool                `json:"tls"`  // whether the message came over TLS
	ReceivedAt time.Time           `json:"received_at"`
	Raw        string              `json:"raw"`                   // the message exactly as sent
	Header     map[string][]string `json:"header"`                // its header fields, canonical keys
	Subject    string              `json:"subject"`               // decoded (RFC 2047)
	Text       string              `json:"text"`                  // the first text/plain part, decoded
	HTML       string              `json:"html"`                  // the first text/html part, decoded
	ParseError string              `json:"parse_error,omitempty"` // why Header, Text or HTML may be missing
}

// Links returns the http and https URLs in the plain-text part, in order.
func (m Message) Links() []string {
	return linkPattern.FindAllString(m.Text, -1)
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// Parse reads a message from its raw form, as an SMTP server or a spool file holds it, leaving the
// envelope empty.
func Parse(raw string) Message {
	m := Message{Raw: raw}
	m.parse()
	return m
}

// parse fills in what a reader sees from m.Raw.
func (m *Message) parse() {
	msg, err := mail.ReadMessage(strings.NewReader(m.Raw))
	if err != nil {
		m.ParseError = err.Error()
		return
	}
	m.Header = msg.Header
	if s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = s
	} else {
		m.Subject = msg.Header.Get("Subject")
	}
	if err := m.walk(textproto.MIMEHeader(msg.Header), msg.Body); err != nil {
		m.ParseError = err.Error()
	}
}

// walk finds the text and HTML parts under a part with header h and body r.
func (m *Message) walk(h textproto.MIMEHeader, r io.Reader) error {
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = "text/plain"
	}
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ctype, err)
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", media, err)
			}
			if err := m.walk(p.Header, p); err != nil {
				return err
			}
		}
	}
	if media != "text/plain" && media != "text/html" {
		return nil
	}
	body, err := decode(h.Get("Content-Transfer-Encoding"), r)
	if err != nil {
		return fmt.Errorf("%s: %w", media, err)
	}
	switch {
	case media == "text/plain" && m.Text == "":
		m.Text = body
	case media == "text/html" && m.HTML == "":
		m.HTML = body
	}
	return nil
}

func decode(encoding string, r io.Reader) (string, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r) // skips the line breaks itself
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}
