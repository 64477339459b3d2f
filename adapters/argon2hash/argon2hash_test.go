package argon2hash

import (
	"strings"
	"testing"
)

// cheap keeps tests fast; the PHC format and logic don't depend on cost.
var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h, err := New(cheap)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash("SecurePass123!")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string", hash)
	}
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"same password", "SecurePass123!", true},
		{"other password", "SecurePass123?", false},
		{"prefix", "SecurePass123", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, outdated, err := h.Verify(hash, tt.password)
			if err != nil || ok != tt.want || outdated {
				t.Fatalf("Verify = %v, %v, %v; want %v, false, nil", ok, outdated, err, tt.want)
			}
		})
	}
}

func TestSaltsDiffer(t *testing.T) {
	t.Parallel()
	h, _ := New(cheap)
	a, _ := h.Hash("same")
	b, _ := h.Hash("same")
	if a == b {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
}

func TestNFCEquivalentPasswordsMatch(t *testing.T) {
	t.Parallel()
	h, _ := New(cheap)
	hash, _ := h.Hash("caf\u00e9-Passw0rd")             // precomposed é
	ok, _, err := h.Verify(hash, "cafe\u0301-Passw0rd") // e + combining acute
	if err != nil || !ok {
		t.Fatalf("decomposed form did not verify: %v %v", ok, err)
	}
}

func TestOutdatedParamsAreReported(t *testing.T) {
	t.Parallel()
	old, _ := New(cheap)
	hash, _ := old.Hash("pw-123456")
	current, _ := New(Params{Memory: 128, Time: 1, Threads: 1})
	ok, outdated, err := current.Verify(hash, "pw-123456")
	if err != nil || !ok || !outdated {
		t.Fatalf("Verify = %v, %v, %v; want true, true, nil", ok, outdated, err)
	}
}

func TestMalformedHashes(t *testing.T) {
	t.Parallel()
	h, _ := New(cheap)
	for _, bad := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$",
	} {
		if ok, _, err := h.Verify(bad, "x"); err == nil || ok {
			t.Errorf("Verify(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestInvalidParams(t *testing.T) {
	t.Parallel()
	for _, p := range []Params{{Memory: 0, Time: 1, Threads: 1}, {Memory: 64, Time: 0, Threads: 1}, {Memory: 64, Time: 1, Threads: 0}} {
		if _, err := New(p); err == nil {
			t.Errorf("New(%+v) accepted invalid parameters", p)
		}
	}
}
