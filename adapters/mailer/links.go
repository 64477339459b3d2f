package mailer

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/authd/authd/core/user"
)

// Placeholder is what a per-flow link template holds where the token goes.
const Placeholder = "{token}"

// Links says where the links in mails lead. Every field is configuration: no part of a link ever
// comes from a request, so nobody can make the service mail a link to a host of their choosing.
type Links struct {
	// PublicURL is where authd's own pages are served, such as https://auth.example.com; a flow
	// without a template of its own links to PublicURL/verify-email#token=…,
	// PublicURL/reset-password#token=… or PublicURL/confirm-email#token=…. The token rides in
	// the fragment, which browsers never send to a server, so a mail scanner that follows the
	// link neither spends nor logs it.
	PublicURL string
	// VerifyURL, ResetURL and ConfirmEmailURL replace the default link of one flow, for an
	// application with pages of its own: an absolute URL holding Placeholder, such as
	// https://app.example.com/reset?token={token}. The token replaces it, URL-escaped.
	VerifyURL       string
	ResetURL        string
	ConfirmEmailURL string
}

// flow is one kind of link: the page it opens by default and the template that may replace it.
type flow struct {
	page, template, field string
}

func (l Links) flows() map[user.NoticeKind]flow {
	return map[user.NoticeKind]flow{
		user.NoticeVerifyEmail:   {"verify-email", l.VerifyURL, "VerifyURL"},
		user.NoticeResetPassword: {"reset-password", l.ResetURL, "ResetURL"},
		user.NoticeConfirmEmail:  {"confirm-email", l.ConfirmEmailURL, "ConfirmEmailURL"},
	}
}

// linker builds the link of each kind that has one.
type linker struct {
	build map[user.NoticeKind]func(token string) string
}

func newLinker(l Links) (*linker, error) {
	var errs []error
	base := strings.TrimRight(l.PublicURL, "/")
	if l.PublicURL != "" {
		if err := checkURL(l.PublicURL); err != nil {
			errs = append(errs, fmt.Errorf("PublicURL: %w", err))
		} else if u, _ := url.Parse(l.PublicURL); u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(l.PublicURL, "#") {
			errs = append(errs, errors.New("PublicURL: must not have a query or a fragment: pages are appended to it"))
		}
	}
	lk := &linker{build: map[user.NoticeKind]func(string) string{}}
	for kind, f := range l.flows() {
		switch {
		case f.template != "":
			if !strings.Contains(f.template, Placeholder) {
				errs = append(errs, fmt.Errorf("%s: %q has no %s to put the token in", f.field, f.template, Placeholder))
				continue
			}
			if err := checkURL(strings.ReplaceAll(f.template, Placeholder, "token")); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", f.field, err))
				continue
			}
			tmpl := f.template
			lk.build[kind] = func(token string) string {
				return strings.ReplaceAll(tmpl, Placeholder, escape(token))
			}
		case l.PublicURL != "":
			page := base + "/" + f.page + "#token="
			lk.build[kind] = func(token string) string { return page + escape(token) }
		default:
			errs = append(errs, fmt.Errorf("%s: required when PublicURL is not set", f.field))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return lk, nil
}

// link returns the link of kind carrying token, and whether kind has links at all.
func (lk *linker) link(kind user.NoticeKind, token string) (string, bool) {
	b, ok := lk.build[kind]
	if !ok {
		return "", false
	}
	return b(token), true
}

// checkURL accepts an absolute http or https URL with a host and no user info.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q must be an absolute http or https URL", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q must not carry user info", raw)
	}
	return nil
}

// escape makes token safe in any part of a URL: a path segment, a query value or a fragment.
// QueryEscape alone would turn a space into "+", which a path keeps as a plus.
func escape(token string) string {
	return strings.ReplaceAll(url.QueryEscape(token), "+", "%20")
}
