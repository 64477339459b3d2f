package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/authd/authd/adapters/jwttoken"
)

const secretFile = "jwt-secret"

// signingSecret returns the configured HS256 key. In embedded mode an unset key is generated once
// and kept in the data directory (mode 0600) so tokens survive restarts; MongoDB mode runs several
// replicas that must share one key, so there it has to be configured.
func signingSecret(c Config, log *slog.Logger) ([]byte, error) {
	if c.JWTSecret != "" {
		if len(c.JWTSecret) < jwttoken.MinSecretLen {
			return nil, fmt.Errorf("AUTHD_JWT_SECRET is %d bytes; it must be at least %d", len(c.JWTSecret), jwttoken.MinSecretLen)
		}
		return []byte(c.JWTSecret), nil
	}
	if c.MongoURI != "" {
		return nil, errors.New("AUTHD_JWT_SECRET must be set in MongoDB mode: every replica must sign with the same key")
	}
	path := filepath.Join(c.DataDir, secretFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		s := strings.TrimSpace(string(b))
		if len(s) < jwttoken.MinSecretLen {
			return nil, fmt.Errorf("%s holds %d bytes; it must be at least %d", path, len(s), jwttoken.MinSecretLen)
		}
		log.Warn("AUTHD_JWT_SECRET is not set; using the key generated earlier in the data directory", "path", path)
		return []byte(s), nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	s := hex.EncodeToString(raw[:])
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// O_EXCL: if two processes race to create the key, one fails instead of both writing different keys.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create signing key file: %w", err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	log.Warn("AUTHD_JWT_SECRET is not set; generated a signing key in the data directory", "path", path)
	return []byte(s), nil
}
