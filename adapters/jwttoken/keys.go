package jwttoken

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// KeyFileExt is the extension of key files in a keys directory; other files there are ignored.
const KeyFileExt = ".pem"

// keyFileTime names generated key files: it sorts by time, and like a date such as 2026-05-01.pem.
const keyFileTime = "2006-01-02T15-04-05Z"

// LoadKeys reads every *.pem file of dir as a PKCS#8 Ed25519 private key ("BEGIN PRIVATE KEY", as
// `openssl genpkey -algorithm ed25519` writes it) and returns the keys oldest first. Age is the
// lexical order of file names, so the key whose name sorts last signs: name files by date
// (2026-05-01.pem). File times are not used: copies, checkouts and mounted secrets reset them.
// Hidden files are skipped, which also skips the bookkeeping entries of Kubernetes secret volumes.
func LoadKeys(dir string) ([]ed25519.PrivateKey, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read keys directory: %w", err)
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, KeyFileExt) && !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	keys := make([]ed25519.PrivateKey, 0, len(names))
	for _, n := range names {
		path := filepath.Join(dir, n)
		// Stat follows symlinks: mounted secrets are links to the real files.
		if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
			continue
		}
		k, err := readKey(path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func readKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: want a PEM \"PRIVATE KEY\" block (PKCS#8)", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: a %T, want an Ed25519 key", path, parsed)
	}
	return k, nil
}

// GenerateKey writes a new Ed25519 key into dir (created 0700 if missing) as a PKCS#8 PEM file of
// mode 0600, named after now in UTC so that it sorts after the keys made before it, and returns
// the file's path.
func GenerateKey(dir string, now time.Time) (string, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("encode key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create keys directory: %w", err)
	}
	path := filepath.Join(dir, now.UTC().Format(keyFileTime)+KeyFileExt)
	// O_EXCL: a second process racing to create the same key fails instead of overwriting it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create key file: %w", err)
	}
	err = errors.Join(pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}), f.Sync())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write key file: %w", err)
	}
	return path, nil
}
