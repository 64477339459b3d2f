package app

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/authd/authd/adapters/jwttoken"
)

// generatedKeysDir is where embedded mode keeps its EdDSA keys when no keys directory is configured.
const generatedKeysDir = "jwt-keys"

// validateTokens catches settings that belong to the other algorithm: they would be silently
// ignored, and an operator who set them surely meant something.
func (c Config) validateTokens() error {
	switch c.JWTAlg {
	case jwttoken.HS256:
		if c.JWTKeysDir != "" {
			return errors.New("AUTHD_JWT_KEYS_DIR applies to AUTHD_JWT_ALG=EdDSA only")
		}
	case jwttoken.EdDSA:
		if c.JWTSecret != "" {
			return errors.New("AUTHD_JWT_SECRET applies to AUTHD_JWT_ALG=HS256 only; EdDSA signs with the keys in AUTHD_JWT_KEYS_DIR")
		}
		if c.MongoURI != "" && c.JWTKeysDir == "" {
			return errors.New("AUTHD_JWT_KEYS_DIR must be set with EdDSA in MongoDB mode: every replica must hold the same keys")
		}
	default:
		return fmt.Errorf("AUTHD_JWT_ALG %q: want %s or %s", c.JWTAlg, jwttoken.HS256, jwttoken.EdDSA)
	}
	return nil
}

// signingKeys returns the EdDSA keys, oldest first. A configured directory must hold at least one
// key; without one, embedded mode keeps its keys in the data directory and generates the first, so
// tokens survive restarts and an operator can rotate by adding a file there.
func signingKeys(c Config, log *slog.Logger, now time.Time) ([]ed25519.PrivateKey, error) {
	dir := c.JWTKeysDir
	if dir == "" {
		dir = filepath.Join(c.DataDir, generatedKeysDir)
		if keys, err := jwttoken.LoadKeys(dir); err == nil && len(keys) > 0 {
			return logKeys(log, dir, keys), nil
		}
		path, err := jwttoken.GenerateKey(dir, now)
		if err != nil {
			return nil, fmt.Errorf("AUTHD_JWT_KEYS_DIR is not set: %w", err)
		}
		log.Warn("AUTHD_JWT_KEYS_DIR is not set; generated an Ed25519 signing key in the data directory", "path", path)
	}
	keys, err := jwttoken.LoadKeys(dir)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("AUTHD_JWT_KEYS_DIR %s holds no *%s key files", dir, jwttoken.KeyFileExt)
	}
	return logKeys(log, dir, keys), nil
}

func logKeys(log *slog.Logger, dir string, keys []ed25519.PrivateKey) []ed25519.PrivateKey {
	signing, _ := keys[len(keys)-1].Public().(ed25519.PublicKey)
	log.Info("EdDSA signing keys loaded", "dir", dir, "keys", len(keys), "signing_kid", jwttoken.Thumbprint(signing))
	return keys
}
