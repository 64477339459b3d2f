package jwttoken

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestGeneratedKeysLoadOldestFirst(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "keys")
	first, err := GenerateKey(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	second, err := GenerateKey(dir, now.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateKey(dir, now); err == nil {
		t.Error("a second key with the same name overwrote the first")
	}
	for _, p := range []string{first, second} {
		if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v, want 0600", p, err, info.Mode().Perm())
		}
	}
	// Files that are not keys, or hidden, don't count.
	for _, name := range []string{"README", ".hidden.pem"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := LoadKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	want0, _ := readKey(first)
	want1, _ := readKey(second)
	if len(keys) != 2 || !keys[0].Equal(want0) || !keys[1].Equal(want1) {
		t.Fatalf("LoadKeys = %d keys, want the two generated ones, oldest first", len(keys))
	}
}

func TestLoadKeysOrdersByName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := GenerateKey(dir, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// A hand-named file that sorts last is the newest, whatever its modification time.
	b := filepath.Join(dir, "2999-01-01.pem")
	if err := os.Rename(a, b); err != nil {
		t.Fatal(err)
	}
	older, err := GenerateKey(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(older, now.Add(100*24*time.Hour), now.Add(100*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	keys, err := LoadKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	newest, _ := readKey(b)
	if len(keys) != 2 || !keys[1].Equal(newest) {
		t.Error("the key whose file name sorts last is not the newest")
	}
}

func TestLoadKeysRefusesOtherKeys(t *testing.T) {
	t.Parallel()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"p256.pem":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		"garbage.pem": []byte("not a key"),
		"pub.pem":     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}),
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeys(dir); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := LoadKeys(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing directory was accepted")
	}
}
