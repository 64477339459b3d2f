package mailer

import (
	"strings"
	"testing"

	"github.com/authd/authd/core/user"
)

func TestDefaultLinksCarryTheTokenInTheFragment(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"https://auth.example.com", "https://auth.example.com/", "http://localhost:8080"} {
		lk, err := newLinker(Links{PublicURL: base})
		if err != nil {
			t.Fatal(err)
		}
		root := strings.TrimSuffix(base, "/")
		for kind, want := range map[user.NoticeKind]string{
			user.NoticeVerifyEmail:   root + "/verify-email#token=abc_-1",
			user.NoticeResetPassword: root + "/reset-password#token=abc_-1",
			user.NoticeConfirmEmail:  root + "/confirm-email#token=abc_-1",
		} {
			if got, ok := lk.link(kind, "abc_-1"); !ok || got != want {
				t.Errorf("%s under %s = %q, want %q", kind, base, got, want)
			}
		}
		for _, kind := range []user.NoticeKind{user.NoticePasswordReset, user.NoticeEmailChange, user.NoticeEmailChanged} {
			if got, ok := lk.link(kind, "abc"); ok {
				t.Errorf("the notice %s has a link: %q", kind, got)
			}
		}
	}
	lk, _ := newLinker(Links{PublicURL: "https://example.com/auth"})
	if got, _ := lk.link(user.NoticeResetPassword, "t"); got != "https://example.com/auth/reset-password#token=t" {
		t.Errorf("under a path prefix: %q", got)
	}
}

func TestFlowTemplatesEscapeTheToken(t *testing.T) {
	t.Parallel()
	lk, err := newLinker(Links{
		PublicURL: "https://auth.example.com",
		ResetURL:  "https://app.example.com/reset?token={token}&from=mail",
		VerifyURL: "https://app.example.com/verify/{token}",
	})
	if err != nil {
		t.Fatal(err)
	}
	for kind, want := range map[user.NoticeKind]string{
		user.NoticeResetPassword: "https://app.example.com/reset?token=a%20b%2Bc%2Fd%26e%3Df%23g&from=mail",
		user.NoticeVerifyEmail:   "https://app.example.com/verify/a%20b%2Bc%2Fd%26e%3Df%23g",
		user.NoticeConfirmEmail:  "https://auth.example.com/confirm-email#token=a%20b%2Bc%2Fd%26e%3Df%23g",
	} {
		if got, _ := lk.link(kind, "a b+c/d&e=f#g"); got != want {
			t.Errorf("%s = %q, want %q", kind, got, want)
		}
	}
}

func TestLinksWithoutPublicURL(t *testing.T) {
	t.Parallel()
	all := Links{
		ResetURL:        "https://app.example.com/r?t={token}",
		VerifyURL:       "https://app.example.com/v?t={token}",
		ConfirmEmailURL: "https://app.example.com/c?t={token}",
	}
	if _, err := newLinker(all); err != nil {
		t.Errorf("every flow has a template, yet: %v", err)
	}
	all.ConfirmEmailURL = ""
	if _, err := newLinker(all); err == nil || !strings.Contains(err.Error(), "ConfirmEmailURL") {
		t.Errorf("a flow without a link: %v", err)
	}
}

func TestRejectsBadLinkConfig(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		links Links
		field string
	}{
		"relative public URL":       {Links{PublicURL: "/auth"}, "PublicURL"},
		"host-less public URL":      {Links{PublicURL: "https://"}, "PublicURL"},
		"ftp public URL":            {Links{PublicURL: "ftp://auth.example.com"}, "PublicURL"},
		"public URL with a query":   {Links{PublicURL: "https://auth.example.com/?x=1"}, "PublicURL"},
		"public URL with fragment":  {Links{PublicURL: "https://auth.example.com/#x"}, "PublicURL"},
		"public URL with user info": {Links{PublicURL: "https://me:pw@auth.example.com"}, "PublicURL"},
		"relative template":         {Links{PublicURL: "https://a.example.com", ResetURL: "/reset?token={token}"}, "ResetURL"},
		"scheme-relative template":  {Links{PublicURL: "https://a.example.com", ResetURL: "//app.example.com/reset?token={token}"}, "ResetURL"},
		"javascript template":       {Links{PublicURL: "https://a.example.com", VerifyURL: "javascript:alert('{token}')"}, "VerifyURL"},
		"template without {token}":  {Links{PublicURL: "https://a.example.com", ConfirmEmailURL: "https://app.example.com/confirm"}, "ConfirmEmailURL"},
		"nothing":                   {Links{}, "PublicURL"},
	} {
		if _, err := newLinker(tc.links); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v, want an error naming %s", name, err, tc.field)
		}
	}
}
