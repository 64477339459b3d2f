package mailer

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/authd/authd/core/user"
)

//go:embed templates
var embedded embed.FS

// kinds are the notices the mailer can write, each from <kind>.subject.txt, <kind>.txt and
// <kind>.html, the last two wrapped in layout.txt and layout.html.
var kinds = []user.NoticeKind{
	user.NoticeVerifyEmail, user.NoticeResetPassword, user.NoticePasswordReset,
	user.NoticeConfirmEmail, user.NoticeEmailChange, user.NoticeEmailChanged,
}

const (
	layoutText = "layout.txt"
	layoutHTML = "layout.html"
)

// View is what a template sees.
type View struct {
	Name      string // the service, as Config.Name gives it
	Subject   string // the rendered subject (empty while the subject itself renders)
	FirstName string // empty when unknown
	Email     string // the address the mail goes to
	NewEmail  string // the address an account moves to (confirm_email, email_change, email_changed)
	Link      string // the link of a mail that has one
	ExpiresIn string // when the link stops working, from now: "in 30 minutes"
	ExpiresAt string // the same as a time: "15:04 UTC on Monday 2 January 2006"
	Support   string // where to turn "if this wasn't you"; empty when not configured
}

// page is one kind's three templates.
type page struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// renderer writes mails from templates parsed once, at construction.
type renderer struct {
	pages map[user.NoticeKind]page
}

// newRenderer parses every template, each from dir when the file is there and from the embedded
// set otherwise, and renders a sample of each kind, so that a broken override fails start-up.
func newRenderer(dir string) (*renderer, error) {
	src, err := newSource(dir)
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[user.NoticeKind]page{}}
	for _, k := range kinds {
		var p page
		name := string(k) + ".subject.txt"
		if p.subject, err = parseText(src, name); err != nil {
			return nil, err
		}
		if p.text, err = parseText(src, layoutText, string(k)+".txt"); err != nil {
			return nil, err
		}
		if p.html, err = parseHTML(src, layoutHTML, string(k)+".html"); err != nil {
			return nil, err
		}
		r.pages[k] = p
		sample := View{Name: "authd", FirstName: "Ada", Email: "ada@example.com", NewEmail: "ada@example.org",
			ExpiresIn: "in 30 minutes", ExpiresAt: "12:30 UTC on Monday 2 January 2006", Support: "help@example.com"}
		if k == user.NoticeVerifyEmail || k == user.NoticeResetPassword || k == user.NoticeConfirmEmail {
			sample.Link = "https://auth.example.com/page#token=sample"
		}
		if _, _, _, err := r.render(k, sample); err != nil {
			return nil, fmt.Errorf("%w%s", err, src.hint())
		}
	}
	return r, nil
}

// render returns the subject, plain text and HTML of a mail of kind k.
func (r *renderer) render(k user.NoticeKind, v View) (subject, text, html string, err error) {
	p, ok := r.pages[k]
	if !ok {
		return "", "", "", fmt.Errorf("mailer: no templates for notice kind %q", k)
	}
	var b bytes.Buffer
	if err := p.subject.Execute(&b, v); err != nil {
		return "", "", "", fmt.Errorf("mailer: %w", err)
	}
	// A subject is one header line: a newline a template or a first name brings would end it.
	v.Subject = strings.Join(strings.Fields(b.String()), " ")
	if v.Subject == "" {
		return "", "", "", fmt.Errorf("mailer: %s.subject.txt renders an empty subject", k)
	}
	b.Reset()
	if err := p.text.ExecuteTemplate(&b, layoutText, v); err != nil {
		return "", "", "", fmt.Errorf("mailer: %w", err)
	}
	text = strings.TrimSpace(b.String()) + "\n"
	b.Reset()
	if err := p.html.ExecuteTemplate(&b, layoutHTML, v); err != nil {
		return "", "", "", fmt.Errorf("mailer: %w", err)
	}
	return v.Subject, text, b.String(), nil
}

// source reads a template file from the override directory when it has it, else from the
// embedded set.
type source struct {
	dir string
}

func newSource(dir string) (source, error) {
	if dir == "" {
		return source{}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return source{}, fmt.Errorf("mailer: templates dir: %w", err)
	}
	known, _ := fs.Glob(embedded, "templates/*")
	for i, k := range known {
		known[i] = filepath.Base(k)
	}
	var errs []error
	for _, e := range entries {
		// A file the mailer would never read is most likely a misspelt override.
		if !strings.HasPrefix(e.Name(), ".") && !slices.Contains(known, e.Name()) {
			errs = append(errs, fmt.Errorf("mailer: templates dir: %s is not a template the mailer reads (those are %s)",
				filepath.Join(dir, e.Name()), strings.Join(known, ", ")))
		}
	}
	return source{dir: dir}, errors.Join(errs...)
}

// read returns the content of the template file name and where it came from.
func (s source) read(name string) (string, string, error) {
	if s.dir != "" {
		path := filepath.Join(s.dir, name)
		b, err := os.ReadFile(path)
		if err == nil {
			return string(b), path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", path, fmt.Errorf("mailer: template %s: %w", path, err)
		}
	}
	b, err := embedded.ReadFile("templates/" + name)
	if err != nil {
		return "", "", fmt.Errorf("mailer: embedded template %s: %w", name, err)
	}
	return string(b), "embedded " + name, nil
}

func (s source) hint() string {
	if s.dir == "" {
		return ""
	}
	return " (templates in " + s.dir + " replace the embedded ones of the same name)"
}

func parseText(src source, names ...string) (*texttemplate.Template, error) {
	var t *texttemplate.Template
	for _, name := range names {
		body, from, err := src.read(name)
		if err != nil {
			return nil, err
		}
		if t == nil {
			t = texttemplate.New(name)
		} else {
			t = t.New(name)
		}
		if _, err := t.Parse(body); err != nil {
			return nil, fmt.Errorf("mailer: template %s: %w", from, err)
		}
	}
	return t.Lookup(names[0]), nil
}

func parseHTML(src source, names ...string) (*htmltemplate.Template, error) {
	var t *htmltemplate.Template
	for _, name := range names {
		body, from, err := src.read(name)
		if err != nil {
			return nil, err
		}
		if t == nil {
			t = htmltemplate.New(name)
		} else {
			t = t.New(name)
		}
		if _, err := t.Parse(body); err != nil {
			return nil, fmt.Errorf("mailer: template %s: %w", from, err)
		}
	}
	return t.Lookup(names[0]), nil
}

// expiresIn says how long from now until t, in words: "in 30 minutes", "in 1 hour", "in 2 days".
func expiresIn(now, t time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	if d < time.Minute {
		return "in less than a minute"
	}
	days, hours, minutes := int(d/(24*time.Hour)), int(d/time.Hour), int(d/time.Minute)
	switch {
	case d%(24*time.Hour) == 0:
		return "in " + plural(days, "day")
	case d%time.Hour == 0:
		return "in " + plural(hours, "hour")
	case d > 3*time.Hour:
		// Past a few hours the odd minutes say nothing; round to the nearest hour.
		return "in about " + plural(int(d.Round(time.Hour)/time.Hour), "hour")
	case d > time.Hour:
		return "in " + plural(hours, "hour") + " and " + plural(minutes%60, "minute")
	default:
		return "in " + plural(minutes, "minute")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// expiresAt writes t in UTC, which means the same to every reader.
func expiresAt(t time.Time) string {
	return t.UTC().Format("15:04 UTC on Monday 2 January 2006")
}
