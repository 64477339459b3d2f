package steps

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// Mailbox reads the mail the service under test sent, as a mail server received it.
type Mailbox interface {
	// Messages returns every message delivered to addr so far, oldest first.
	Messages(ctx context.Context, addr string) ([]Mail, error)
	// Down makes the mail server refuse every message until Up.
	Down(ctx context.Context) error
	Up(ctx context.Context) error
}

// Mail is one received message.
type Mail struct {
	To      string
	Subject string
	Text    string // the text/plain part
	HTML    string // the text/html part
}

// Mail arrives asynchronously: a step that expects mail waits up to mailWait for it, and one that
// expects none watches for noMailGrace (the courier is woken by each write that queues mail, so
// it delivers within milliseconds on an idle service).
const (
	mailWait    = 15 * time.Second
	noMailGrace = 1500 * time.Millisecond
	mailPoll    = 25 * time.Millisecond
	mailQuiet   = 400 * time.Millisecond
)

func (w *world) registerMail(sc *godog.ScenarioContext) {
	sc.Step(`^"([^"]*)" should receive an email with subject "([^"]*)"$`, w.shouldReceive)
	sc.Step(`^"([^"]*)" should receive no email$`, func(addr string) error { return w.shouldReceiveNo(addr, "") })
	sc.Step(`^"([^"]*)" should receive no email with subject "([^"]*)"$`, w.shouldReceiveNo)
	sc.Step(`^"([^"]*)" should have received (\d+) emails?$`, w.shouldHaveReceived)
	sc.Step(`^the latest email to "([^"]*)" should contain "([^"]*)"$`, w.latestShouldContain)
	sc.Step(`^the latest email to "([^"]*)" should not contain "([^"]*)"$`, w.latestShouldNotContain)
	sc.Step(`^I follow the link in the latest email to "([^"]*)"$`, w.followLink)
	sc.Step(`^I remember the tokens of the emails to "([^"]*)" as "([^"]*)"$`, w.rememberTokens)
	sc.Step(`^the mail server goes down$`, w.mailServer(Mailbox.Down))
	sc.Step(`^the mail server comes back$`, w.mailServer(Mailbox.Up))
	// An After hook returns only an error of its own: godog adds what it returns to the scenario's.
	sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
		// A scenario that took the mail server down must not leave it down for the next.
		if w.mailDown {
			w.mailDown = false
			if box, berr := w.mailbox(); berr == nil {
				_ = box.Up(context.Background())
			}
		}
		return ctx, nil
	})
}

func (w *world) mailServer(switchTo func(Mailbox, context.Context) error) func() error {
	return func() error {
		box, err := w.mailbox()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		w.mailDown = true // cleared after the scenario, with the server brought back
		return switchTo(box, ctx)
	}
}

func (w *world) mailbox() (Mailbox, error) {
	if err := w.needs("@mail"); err != nil {
		return nil, err
	}
	if w.target.Mailbox == nil {
		return nil, errors.New("this target has no mailbox to read; run the scenario where the suite captures mail")
	}
	return w.target.Mailbox, nil
}

// messages returns what addr (expanded) has received.
func (w *world) messages(addr string) (string, []Mail, error) {
	box, err := w.mailbox()
	if err != nil {
		return "", nil, err
	}
	to, err := w.expand(addr)
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ms, err := box.Messages(ctx, to)
	return to, ms, err
}

// waitFor polls addr's mail until ok holds or d has passed, and returns the last look.
func (w *world) waitFor(addr string, d time.Duration, ok func([]Mail) bool) (string, []Mail, error) {
	deadline := time.Now().Add(d)
	for {
		to, ms, err := w.messages(addr)
		if err != nil || ok(ms) || time.Now().After(deadline) {
			return to, ms, err
		}
		time.Sleep(mailPoll)
	}
}

func withSubject(subject string) func([]Mail) bool {
	return func(ms []Mail) bool {
		for _, m := range ms {
			if subject == "" || m.Subject == subject {
				return true
			}
		}
		return false
	}
}

func subjects(ms []Mail) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Subject
	}
	return out
}

func (w *world) shouldReceive(addr, subject string) error {
	to, ms, err := w.waitFor(addr, mailWait, withSubject(subject))
	if err != nil {
		return err
	}
	if !withSubject(subject)(ms) {
		return fmt.Errorf("%s received no email with subject %q within %s; it has %q", to, subject, mailWait, subjects(ms))
	}
	return nil
}

func (w *world) shouldReceiveNo(addr, subject string) error {
	to, ms, err := w.waitFor(addr, noMailGrace, withSubject(subject))
	if err != nil {
		return err
	}
	if withSubject(subject)(ms) {
		return fmt.Errorf("%s received %q, want no email%s", to, subjects(ms), map[bool]string{true: " with subject " + subject}[subject != ""])
	}
	return nil
}

// shouldHaveReceived waits for n messages, then watches a little longer for any more.
func (w *world) shouldHaveReceived(addr string, n int) error {
	to, ms, err := w.waitFor(addr, mailWait, func(ms []Mail) bool { return len(ms) >= n })
	if err == nil && len(ms) == n {
		to, ms, err = w.waitFor(addr, noMailGrace, func(ms []Mail) bool { return len(ms) > n })
	}
	if err != nil {
		return err
	}
	if len(ms) != n {
		return fmt.Errorf("%s received %d emails %q, want %d", to, len(ms), subjects(ms), n)
	}
	return nil
}

// latest returns addr's latest message once mail to it has settled: at least one message, and no
// new one for mailQuiet, so a message still on its way (a reset mail right after a registration's
// verification mail) is not overtaken by one that came before it.
func (w *world) latest(addr string) (Mail, error) {
	deadline := time.Now().Add(mailWait)
	seen, since := -1, time.Now()
	for {
		to, ms, err := w.messages(addr)
		if err != nil {
			return Mail{}, err
		}
		if len(ms) != seen {
			seen, since = len(ms), time.Now()
		}
		switch {
		case len(ms) > 0 && time.Since(since) >= mailQuiet:
			return ms[len(ms)-1], nil
		case time.Now().After(deadline):
			if len(ms) > 0 {
				return ms[len(ms)-1], nil
			}
			return Mail{}, fmt.Errorf("%s received no email within %s", to, mailWait)
		}
		time.Sleep(mailPoll)
	}
}

func (w *world) latestShouldContain(addr, text string) error {
	m, err := w.latest(addr)
	if err != nil {
		return err
	}
	want, err := w.expand(text)
	if err != nil {
		return err
	}
	if !strings.Contains(m.Text, want) || !strings.Contains(html.UnescapeString(m.HTML), want) {
		return fmt.Errorf("the latest email to %s (%q) lacks %q in its text or HTML part:\n%s", addr, m.Subject, want, m.Text)
	}
	return nil
}

func (w *world) latestShouldNotContain(addr, text string) error {
	m, err := w.latest(addr)
	if err != nil {
		return err
	}
	unwanted, err := w.expand(text)
	if err != nil {
		return err
	}
	if strings.Contains(m.Text, unwanted) || strings.Contains(html.UnescapeString(m.HTML), unwanted) {
		return fmt.Errorf("the latest email to %s (%q) contains %q", addr, m.Subject, unwanted)
	}
	return nil
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// followLink opens the link of addr's latest email the way a mail client would: a GET of the page
// it names, sent to the replica in use. The link must point at the service's public URL; the
// token it carries (fragment or query) is remembered as {token} and the link as {link}.
func (w *world) followLink(addr string) error {
	m, err := w.latest(addr)
	if err != nil {
		return err
	}
	u, token, err := w.linkOf(m)
	if err != nil {
		return err
	}
	w.vars["token"], w.vars["link"] = token, u.String()
	page := u.EscapedPath()
	if u.RawQuery != "" {
		page += "?" + u.RawQuery
	}
	// The fragment stays in the browser; a GET never sends it.
	return w.send(http.MethodGet, page, nil, "")
}

// rememberTokens remembers the token of each email addr received, oldest first, as {name.1}, {name.2}…
func (w *world) rememberTokens(addr, name string) error {
	to, ms, err := w.messages(addr)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return fmt.Errorf("%s has received no email", to)
	}
	for i, m := range ms {
		_, token, err := w.linkOf(m)
		if err != nil {
			return err
		}
		w.vars[fmt.Sprintf("%s.%d", name, i+1)] = token
	}
	return nil
}

// linkOf returns the first link of m's text and the token it carries.
func (w *world) linkOf(m Mail) (*url.URL, string, error) {
	links := linkPattern.FindAllString(m.Text, -1)
	if len(links) == 0 {
		return nil, "", fmt.Errorf("the email to %s (%q) has no link:\n%s", m.To, m.Subject, m.Text)
	}
	u, err := url.Parse(links[0])
	if err != nil {
		return nil, "", fmt.Errorf("link %q: %w", links[0], err)
	}
	if want := strings.TrimRight(w.target.PublicURL, "/"); want != "" && u.Scheme+"://"+u.Host != want {
		return nil, "", fmt.Errorf("link %q does not point at the service's public URL %s", links[0], want)
	}
	token := u.Query().Get("token")
	if frag, err := url.ParseQuery(u.Fragment); err == nil && frag.Get("token") != "" {
		token = frag.Get("token")
	}
	if token == "" {
		return nil, "", fmt.Errorf("link %q carries no token", links[0])
	}
	return u, token, nil
}
