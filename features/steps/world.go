// Package steps holds the Gherkin step definitions of the acceptance suite. They talk HTTP to a base
// URL and nothing else, so the same features run against an in-process app or a container.
package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"

	"github.com/authd/authd/test/workload"
)

// DefaultPassword is what domain steps use when a scenario names no password.
const DefaultPassword = "SecurePass123!"

var (
	scenarioSeq atomic.Int64
	// runNet places this run's client networks on a shared target (see clientAddress).
	runNet = [2]uint16{uint16(rand.Uint32()), uint16(rand.Uint32())}
)

// world is one scenario's state; a new one is made for every scenario.
type world struct {
	base   string
	client *http.Client
	domain string // per-scenario label that makes example.com addresses unique, see expand
	ip     string // per-scenario client address, sent as X-Forwarded-For
	net6   string // the scenario's own IPv6 /64, as its first four groups

	vars      map[string]string // remembered values, used as {name}
	passwords map[string]string // email -> password, for domain steps
	headers   http.Header       // set for the next request only
	bearer    string            // sent on every request until cleared
	tags      map[string]bool   // the scenario's tags, "@mail"
	used      map[string]bool   // the need tags its steps used, see needs.go

	last     *request // the last request a sending step sent, for "the same request"
	resp     *http.Response
	body     []byte
	json     any
	batch    []int // statuses of the last batch of requests, concurrent or repeated
	exactly  int   // the status the last "exactly N" step counted
	target   Target
	replica  string           // the container replica requests go to, "A" unless a step switched
	took     time.Duration    // how long the last request took
	inflight inflight         // what the SIGTERM step saw
	crash    *workload.Ledger // what the crash workload had acknowledged
	raw      rawExchange      // what the last raw connection carried
	raced    []racedLogin     // sessions that raced what ended them, see race.go
	racedBy  string           // what they raced, for racedSessionsEnded's messages
	mailDown bool             // a step switched the mail server; bring it back after the scenario
}

// Target is the service under test and what the suite knows about it. What a target lacks
// decides which tagged scenarios a run leaves out (see Needs).
type Target struct {
	BaseURL string
	// Admin is an administrator of the target (nil: @admin scenarios can't run); Roles changes
	// roles in its database (nil: @database scenarios can't run).
	Admin   *Admin
	Roles   Roles
	Secret  []byte // its HS256 signing key, for @signing-key scenarios that forge tokens
	Issuer  string
	Cluster Cluster // nil unless the service runs in containers; @containers scenarios need it
	// Mailbox reads what the service mailed (nil: @mail scenarios can't run); PublicURL is what
	// its links must start with (empty: not checked).
	Mailbox   Mailbox
	PublicURL string
	// Direct says BaseURL reaches one authd process with no proxy in between; @direct needs it.
	Direct bool
	// RefreshGrace is the target's AUTHD_REFRESH_REUSE_GRACE; @refresh-grace needs 10 s or more.
	RefreshGrace time.Duration
	// Shared says the service keeps what earlier runs did (a staging deployment): per-address
	// counts among it, so each scenario's client address must be new to it too.
	Shared bool
}

// Cluster controls the containers of the service and its database.
type Cluster interface {
	URL(ctx context.Context, replica string) (string, error)
	AddReplica(ctx context.Context, name string) error
	StopDatabase(ctx context.Context) error
	StartDatabase(ctx context.Context) error
	Restart(ctx context.Context, replica string) error
	Kill(ctx context.Context, replica string) error
	Terminate(ctx context.Context, replica string) (int, error)
	Start(ctx context.Context, replica string) error
	Logs(ctx context.Context, replica string, lines int) (string, error)
}

// Initialize registers every step for one scenario against the target.
func Initialize(sc *godog.ScenarioContext, t Target) {
	n := scenarioSeq.Add(1)
	ip, net6 := clientAddress(n, t.Shared)
	domain := fmt.Sprintf("s%d-%d", time.Now().UnixNano()%1_000_000_000, n)
	w := &world{
		base:   strings.TrimRight(t.BaseURL, "/"),
		client: &http.Client{Timeout: 30 * time.Second, Transport: validating{http.DefaultTransport}},
		domain: domain,
		ip:     ip,
		net6:   net6,
		// {scenario} starts addresses that one email_prefix finds and no other scenario's has.
		vars:      map[string]string{"client_ip": ip, "scenario": domain},
		passwords: map[string]string{},
		headers:   http.Header{},
		tags:      map[string]bool{},
		used:      map[string]bool{},
		target:    t,
		replica:   "A",
	}
	w.trackTags(sc)
	w.registerHTTP(sc)
	w.registerDomain(sc)
	w.registerAdmin(sc)
	w.registerSecurity(sc)
	w.registerCluster(sc)
	w.registerRaw(sc)
	w.registerNetwork(sc)
	w.registerRace(sc)
	w.registerMail(sc)
	w.registerTimeline(sc)
}

// clientAddress is scenario n's client address and IPv6 network. On a fresh service it is
// 198.18.x.y, from the run's count of scenarios. A shared service remembers per-address counts
// for up to an hour (registrations, mail), and an earlier run's scenario n had that address, so
// there a scenario is the first address of a /64 of its own in 2001:db8::/32: the third group
// counts scenarios from a random start, so a run's networks differ even where the service counts
// /48s, and the fourth is random for the run, so a later run meets an earlier one's network only
// if both groups match.
func clientAddress(n int64, shared bool) (ip, net6 string) {
	if !shared {
		return fmt.Sprintf("198.18.%d.%d", (n>>8)&0xff, n&0xff), fmt.Sprintf("2001:db8:%x:%x", (n>>8)&0xff, n&0xff)
	}
	net6 = fmt.Sprintf("2001:db8:%x:%x", runNet[0]+uint16(n), runNet[1])
	return net6 + "::1", net6
}

var (
	exampleDomain = regexp.MustCompile(`(?i)@(example\.com)\b`)
	placeholder   = regexp.MustCompile(`\{([A-Za-z0-9_.@-]+)\}`)
	// repeated is a generated value: {501 × "x"} is 501 x's (* may stand for ×).
	repeated = regexp.MustCompile(`\{(\d+) [×*] "((?:[^"\\]|\\.)*)"\}`)
)

// maxRepeated bounds what {N × "s"} makes; the service takes no body over 1 MiB.
const maxRepeated = 8 << 20

// expand makes text concrete: {N × "s"} becomes s N times, {name} a remembered value, and every
// address at example.com gets this scenario's own subdomain, so scenarios never collide on a
// shared service.
func (w *world) expand(s string) (string, error) {
	var tooLong []string
	s = repeated.ReplaceAllStringFunc(s, func(m string) string {
		g := repeated.FindStringSubmatch(m)
		n, err := strconv.Atoi(g[1])
		unit := strings.ReplaceAll(g[2], `\"`, `"`)
		if err != nil || n > maxRepeated/max(len(unit), 1) {
			tooLong = append(tooLong, m)
			return m
		}
		return strings.Repeat(unit, n)
	})
	if len(tooLong) > 0 {
		return "", fmt.Errorf("%s: at most %d bytes can be generated", strings.Join(tooLong, ", "), maxRepeated)
	}
	var missing []string
	s = placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := m[1 : len(m)-1]
		if v, ok := w.vars[name]; ok {
			return v
		}
		missing = append(missing, name)
		return m
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("nothing remembered as %s (remembered: %v)", strings.Join(missing, ", "), keys(w.vars))
	}
	return exampleDomain.ReplaceAllString(s, "@"+w.domain+".$1"), nil
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// request is what a sending step sent, kept so that a later step can send it again.
type request struct {
	method, path string
	body         []byte
	contentType  string
	header       http.Header // the headers set for it with "the next request has…"
}

// send performs one request with the headers set for it and records the response for the
// assertion steps.
func (w *world) send(method, path string, body []byte, contentType string) error {
	w.last = &request{method: method, path: path, body: body, contentType: contentType, header: w.headers}
	w.headers = http.Header{}
	return w.resend(*w.last)
}

// resend performs r and records its response for the assertion steps.
func (w *world) resend(r request) error {
	began := time.Now()
	resp, data, err := w.do(context.Background(), r.method, r.path, r.body, r.contentType, r.header)
	w.took = time.Since(began)
	if err != nil {
		return err
	}
	w.resp, w.body, w.json = resp, data, nil
	if len(data) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, &w.json); err != nil {
			return fmt.Errorf("response says JSON but is not: %w: %s", err, data)
		}
	}
	return nil
}

func (w *world) do(ctx context.Context, method, path string, body []byte, contentType string, extra http.Header) (*http.Response, []byte, error) {
	path, err := w.expand(path)
	if err != nil {
		return nil, nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.base+path, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if w.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+w.bearer)
	}
	req.Header.Set("X-Forwarded-For", w.ip)
	for k, vs := range extra {
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return resp, data, nil
}

func (w *world) requireResponse() error {
	if w.resp == nil {
		return fmt.Errorf("no request has been sent yet")
	}
	return nil
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
