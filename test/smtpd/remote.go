package smtpd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Remote reads a server run elsewhere, such as cmd/smtpd in a container, through its Handler.
type Remote struct {
	base   string
	client *http.Client
}

// NewRemote talks to the HTTP side of a server at baseURL, such as http://127.0.0.1:8025.
func NewRemote(baseURL string) *Remote {
	return &Remote{base: strings.TrimRight(baseURL, "/"), client: http.DefaultClient}
}

// Messages returns every message the server holds.
func (r *Remote) Messages(ctx context.Context) ([]Message, error) {
	return r.messages(ctx, url.Values{})
}

// To returns the messages to addr.
func (r *Remote) To(ctx context.Context, addr string) ([]Message, error) {
	return r.messages(ctx, url.Values{"to": {addr}})
}

// Wait returns the messages to addr once there are at least n, or what there is and an error
// when ctx ends first.
func (r *Remote) Wait(ctx context.Context, addr string, n int) ([]Message, error) {
	for {
		msgs, err := r.messages(ctx, url.Values{"to": {addr}, "wait": {strconv.Itoa(n)}, "timeout": {"10s"}})
		if err != nil || len(msgs) >= n {
			return msgs, err
		}
		if ctx.Err() != nil {
			return msgs, fmt.Errorf("smtpd: %d of %d messages to %s: %w", len(msgs), n, addr, ctx.Err())
		}
	}
}

// Reset forgets every message the server holds.
func (r *Remote) Reset(ctx context.Context) error {
	return r.do(ctx, http.MethodDelete, "/messages", nil)
}

// Down starts an outage.
func (r *Remote) Down(ctx context.Context) error { return r.do(ctx, http.MethodPost, "/down", nil) }

// Up ends an outage.
func (r *Remote) Up(ctx context.Context) error { return r.do(ctx, http.MethodPost, "/up", nil) }

// CAPEM returns the certificate to trust for the server's TLS.
func (r *Remote) CAPEM(ctx context.Context) ([]byte, error) {
	var pem []byte
	err := r.do(ctx, http.MethodGet, "/ca.pem", func(body io.Reader) error {
		var err error
		pem, err = io.ReadAll(body)
		return err
	})
	return pem, err
}

func (r *Remote) messages(ctx context.Context, q url.Values) ([]Message, error) {
	var msgs []Message
	err := r.do(ctx, http.MethodGet, "/messages?"+q.Encode(), func(body io.Reader) error {
		return json.NewDecoder(body).Decode(&msgs)
	})
	return msgs, err
}

func (r *Remote) do(ctx context.Context, method, path string, read func(io.Reader) error) error {
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, nil)
	if err != nil {
		return fmt.Errorf("smtpd: %w", err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("smtpd: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("smtpd: %s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	if read == nil {
		return nil
	}
	if err := read(resp.Body); err != nil {
		return fmt.Errorf("smtpd: %s %s: %w", method, path, err)
	}
	return nil
}
