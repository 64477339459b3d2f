package mailer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Spool writes each message as an .eml file in a directory instead of sending it: for development
// and for a deployment that has no mail server yet, where the person running it opens the file.
type Spool struct {
	dir    string
	logger *slog.Logger
}

// NewSpool creates dir, readable by its owner only, when it does not exist.
func NewSpool(dir string, logger *slog.Logger) (*Spool, error) {
	if dir == "" {
		return nil, fmt.Errorf("mailer: no SMTP URL and no spool directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mailer: spool: %w", err)
	}
	return &Spool{dir: dir, logger: logger}, nil
}

// Deliver writes m to a file named after the time and a random suffix, so names sort in the order
// messages came, and whole: a reader never sees a file half written. The log line names the file
// and nothing of what it says: it may hold a link that signs someone in.
func (s *Spool) Deliver(ctx context.Context, m *gomail.Msg) error {
	f, err := os.CreateTemp(s.dir, ".spool-*.tmp") // 0600
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // after the rename, there is nothing left to remove
	if _, err := m.WriteTo(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("spool: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("spool: write: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("spool: write: %w", err)
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	name := time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(suffix[:]) + ".eml"
	path := filepath.Join(s.dir, name)
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	s.logger.InfoContext(ctx, "mail spooled", "file", path)
	return nil
}
