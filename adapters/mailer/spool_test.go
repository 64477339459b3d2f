package mailer_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authd/authd/adapters/mailer"
	"github.com/authd/authd/test/smtpd"
)

func TestSpool(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	dir := filepath.Join(t.TempDir(), "data", "mail")
	cfg := config()
	cfg.SpoolDir = dir
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	m, err := mailer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("spool dir: %v, mode %v, want 0700", err, fi.Mode().Perm())
	}
	for _, to := range []string{"ada@example.com", "bob@example.com"} {
		if err := m.Send(context.Background(), reset(to)); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || !strings.HasSuffix(names[0], ".eml") || !strings.HasSuffix(names[1], ".eml") {
		t.Fatalf("spool holds %q, want two .eml files and nothing else", names)
	}
	if !slices.IsSorted(names) || names[0] == names[1] {
		t.Errorf("names %q do not sort in the order sent", names)
	}
	for i, to := range []string{"ada@example.com", "bob@example.com"} {
		path := filepath.Join(dir, names[i]) // ReadDir sorts by name: the first sent comes first
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v, want 0600", path, err, fi.Mode().Perm())
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got := smtpd.Parse(string(raw))
		if got.ParseError != "" || got.Text == "" || got.HTML == "" || got.Header["To"][0] != "<"+to+">" {
			t.Errorf("%s: parse error %q, to %q, text %d bytes, html %d bytes", path, got.ParseError, got.Header["To"], len(got.Text), len(got.HTML))
		}
		if !strings.Contains(got.Text, token) {
			t.Errorf("%s: the link is missing", path)
		}
		if !strings.Contains(logs.String(), path) {
			t.Errorf("the log does not name %s:\n%s", path, logs.String())
		}
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "reset-password") {
		t.Errorf("the log shows the token or the link:\n%s", logs.String())
	}
}

func TestSpoolNeedsADirectory(t *testing.T) {
	t.Parallel()
	if _, err := mailer.New(config()); err == nil {
		t.Error("neither an SMTP URL nor a spool directory, and no error")
	}
	file := filepath.Join(t.TempDir(), "file")
	_ = os.WriteFile(file, nil, 0o600)
	cfg := config()
	cfg.SpoolDir = filepath.Join(file, "mail")
	if _, err := mailer.New(cfg); err == nil {
		t.Error("a spool under a file was accepted")
	}
}
