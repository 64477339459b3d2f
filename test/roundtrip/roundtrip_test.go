// Package roundtrip_test counts the commands each use case sends to MongoDB, through the whole
// service: every request's latency on a remote database is about its round trips.
package roundtrip_test

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/test/ferret"
	"github.com/authd/authd/test/harness"
	"github.com/authd/authd/test/load"
	"github.com/authd/authd/test/wireproxy"
)

// handshake is what the driver sends to open and watch connections, not on behalf of a request.
var handshake = map[string]bool{"hello": true, "isMaster": true, "ismaster": true, "endSessions": true, "": true}

// budget is the most round trips each use case may take, as measured on a quiet service; a
// change that needs more should say why. Refresh and logout read the session before their
// compare-and-swap, one round trip more than a filter stating the condition would take, so that
// the rule (a revoked session can't rotate, a spent refresh id is reuse) is written once, in core.
//
// A registration owes a verification mail and a forgot-password a reset mail. The courier starts
// on them as soon as they are queued, so its commands interleave with the request's: each is
// counted with its mail, from the request until the mail server took the message and the courier
// marked it sent. Of a registration's, the notice's move from the user's document into the mail
// collection is 2; delivering is about 6: a claim that finds it, reading the user, minting the
// token, marking it sent, a claim that finds nothing more, and, at most every 5 s, the outbox's
// sweep for notices a crashed replica left behind.
//
// The security timeline adds to each use case that records an event: reading the user's last
// event and inserting the new one, and, for an event a change to the user carries, pulling it
// from the user's document afterwards (+3: login, change-password; +4 for the first event, a
// registration, which also reads the empty timeline's checkpoint). A logout's event is a plain
// append (+2), and a failed login's is appended just after its answer (+2, counted here because
// it lands before the next step starts).
var budget = map[string]int{
	"register + mail":        18,
	"forgot-password + mail": 12,
	"login":                  16,
	"login failure":          12,
	"refresh":                4,
	"GET /users/me":          2,
	"change-password":        11,
	"logout":                 6,
}

// counter tallies commands by name.
type counter struct {
	mu   sync.Mutex
	seen map[string]int
}

func (c *counter) add(name string) {
	if handshake[name] {
		return
	}
	c.mu.Lock()
	c.seen[name]++
	c.mu.Unlock()
}

// take returns the tally since the last take, and its total.
func (c *counter) take() (map[string]int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen, total := c.seen, 0
	for _, n := range seen {
		total += n
	}
	c.seen = map[string]int{}
	return seen, total
}

func TestRoundTrips(t *testing.T) {
	ctx := context.Background()
	backend, err := url.Parse(ferret.URI(t))
	if err != nil || backend.Scheme != "mongodb" || strings.Contains(backend.Host, ",") || backend.RawQuery != "" {
		t.Skipf("can only count in front of a single plain mongodb:// server, not %s", backend.Redacted())
	}
	count := &counter{seen: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &wireproxy.Proxy{Backend: backend.Host, OnCommand: count.add}
	go func() { _ = p.Serve(ln) }()
	t.Cleanup(func() { _ = p.Close() })

	c := harness.Config(t)
	// The courier wakes for each queued message; no poll of its own may land in a use case's count.
	c.Mail.Poll = time.Hour
	c.MongoURI = "mongodb://" + ln.Addr().String() + "/?maxPoolSize=4"
	c.MongoDatabase = ferret.Database(t)
	svc := harness.Start(t, c)
	client := load.NewClient(svc.URL, 1)
	defer client.Close()

	const rounds = 3
	got := map[string][]int{}
	for i := range rounds {
		email := fmt.Sprintf("trips%d@example.com", i)
		const password, next = "SecurePass123!", "NewSecurePass456?"
		var tokens load.Tokens
		steps := []struct {
			name string
			do   func() error
		}{
			{"register + mail", func() error {
				if err := client.Register(ctx, email, password, "Round", "Trip"); err != nil {
					return err
				}
				return mailed(svc, email, 1)
			}},
			{"login", func() (err error) { tokens, err = client.Login(ctx, email, password); return err }},
			{"GET /users/me", func() error { return client.Me(ctx, tokens.Access) }},
			{"refresh", func() (err error) { tokens, err = client.Refresh(ctx, tokens.Refresh); return err }},
			{"login failure", func() error {
				if _, err := client.Login(ctx, email, "WrongPass789!"); err == nil {
					return fmt.Errorf("a wrong password logged in")
				}
				return nil
			}},
			{"change-password", func() error { return client.ChangePassword(ctx, tokens.Access, password, next) }},
			{"logout", func() error { return client.Logout(ctx, tokens.Access) }},
			{"forgot-password + mail", func() error {
				if err := client.ForgotPassword(ctx, email); err != nil {
					return err
				}
				return mailed(svc, email, 2)
			}},
		}
		count.take()
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("round %d: %s: %v", i, s.name, err)
			}
			seen, total := count.take()
			got[s.name] = append(got[s.name], total)
			if i == rounds-1 {
				t.Logf("%-16s %v round trips; the last: %v", s.name, got[s.name], seen)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(budget)) {
		if most := slices.Max(got[name]); most > budget[name] {
			t.Errorf("%s took %v round trips in %d rounds, over its budget of %d", name, got[name], rounds, budget[name])
		}
	}
}

// mailed waits until email has received n messages, and the courier has marked the last one sent.
func mailed(svc *harness.Service, email string, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := svc.Mail.Wait(ctx, email, n); err != nil {
		return fmt.Errorf("mail to %s: %w", email, err)
	}
	time.Sleep(100 * time.Millisecond) // the courier marks the message sent after the server took it
	return nil
}
