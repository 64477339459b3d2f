package mailer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOverrideReplacesOneFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "reset_password.txt", `{{define "content"}}Custom reset: {{.Link}} ({{.ExpiresIn}}){{end}}`)
	write(t, dir, ".keep", "") // hidden files are not templates
	cfg := config()
	cfg.TemplatesDir = dir
	m, rec := newMailer(t, cfg)
	got := send(t, m, rec, mail.Letter{Kind: user.NoticeResetPassword, To: "ada@example.com", Token: "tok", ExpiresAt: now.Add(3600e9)})
	if !strings.Contains(got.Text, "Custom reset: https://auth.example.com/reset-password#token=tok (in 1 hour)") {
		t.Errorf("the override did not replace the text:\n%s", got.Text)
	}
	if !strings.HasPrefix(got.Text, "Hi,") {
		t.Errorf("the embedded layout is gone:\n%s", got.Text)
	}
	if !strings.Contains(got.HTML, "Choose a new password") || got.Subject != "Reset your authd password" {
		t.Errorf("the override replaced more than its file: %q\n%s", got.Subject, got.HTML)
	}
}

func TestBrokenOverrideFailsNamingTheFile(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ file, content string }{
		"does not parse":     {"verify_email.html", `{{define "content"}}<p>{{.Link</p>{{end}}`},
		"unknown field":      {"email_changed.subject.txt", `Moved to {{.NewAddress}}`},
		"misspelt file name": {"verify-email.txt", `hello`},
		"layout":             {"layout.html", `<html>{{template "missing" .}}</html>`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := write(t, dir, tc.file, tc.content)
			cfg := config()
			cfg.TemplatesDir = dir
			cfg.Transport = &recorder{}
			_, err := mailerNew(cfg)
			if err == nil {
				t.Fatal("a broken override was accepted")
			}
			if !strings.Contains(err.Error(), tc.file) {
				t.Errorf("the error does not name %s: %v", path, err)
			}
		})
	}
}
