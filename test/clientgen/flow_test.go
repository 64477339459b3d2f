package clientgen

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/test/harness"
	"github.com/authd/authd/test/smtpd"
)

const password = "SecurePass123!"

func start(t *testing.T) *harness.Service {
	t.Helper()
	return harness.Start(t, harness.Config(t))
}

// TestGeneratedClients drives both generated clients through the service, each from its own client
// address, every answer decoded into the type its generator made for it; between them they call
// every operation the document lists.
func TestGeneratedClients(t *testing.T) {
	srv := start(t)
	called := map[string]bool{}
	for _, c := range []struct {
		name string
		run  func(*testing.T, *harness.Service, http.RoundTripper)
	}{
		{"oapi-codegen", oapiFlow},
		{"ogen", ogenFlow},
	} {
		ok := t.Run(c.name, func(t *testing.T) {
			tr := newChecking(t)
			c.run(t, srv, forwardedFor{next: tr, addr: "198.51.100." + map[string]string{"oapi-codegen": "1", "ogen": "2"}[c.name]})
			for op := range tr.called() {
				called[op] = true
			}
		})
		if !ok {
			return
		}
	}
	for _, op := range mustSpec(t).operations() {
		if !called[op] {
			t.Errorf("%s: neither generated client called it", op)
		}
	}
}

// forwardedFor sends each request as from addr, so each client has per-address limits of its own.
type forwardedFor struct {
	next http.RoundTripper
	addr string
}

func (f forwardedFor) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("X-Forwarded-For", f.addr)
	return f.next.RoundTrip(req)
}

// linkToken waits for a mail to addr with a link to path and returns the link's token; each test
// asks for one such mail per address and path.
func linkToken(t *testing.T, mail *smtpd.Server, addr, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var token string
	_, err := mail.WaitFor(ctx, func(m smtpd.Message) bool {
		if !strings.EqualFold(strings.Join(m.To, ","), addr) {
			return false
		}
		for _, l := range m.Links() {
			u, err := url.Parse(l)
			if err != nil || u.Path != path {
				continue
			}
			if v, err := url.ParseQuery(u.Fragment); err == nil && v.Get("token") != "" {
				token = v.Get("token")
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no mail to %s with a %s link: %v", addr, path, err)
	}
	return token
}

// must(call())(t) is call's value, and fails the test on its transport or decoding error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
