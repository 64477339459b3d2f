package argon2hash

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// cheap keeps tests fast; the PHC format and logic don't depend on cost.
var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h, err := New(cheap)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(ctx, "SecurePass123!")
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
			ok, outdated, err := h.Verify(ctx, hash, tt.password)
			if err != nil || ok != tt.want || outdated {
				t.Fatalf("Verify = %v, %v, %v; want %v, false, nil", ok, outdated, err, tt.want)
			}
		})
	}
}

func TestSaltsDiffer(t *testing.T) {
	t.Parallel()
	h, _ := New(cheap)
	a, _ := h.Hash(ctx, "same")
	b, _ := h.Hash(ctx, "same")
	if a == b {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
}

func TestNFCEquivalentPasswordsMatch(t *testing.T) {
	t.Parallel()
	h, _ := New(cheap)
	hash, _ := h.Hash(ctx, "caf\u00e9-Passw0rd")             // precomposed é
	ok, _, err := h.Verify(ctx, hash, "cafe\u0301-Passw0rd") // e + combining acute
	if err != nil || !ok {
		t.Fatalf("decomposed form did not verify: %v %v", ok, err)
	}
}

func TestOutdatedParamsAreReported(t *testing.T) {
	t.Parallel()
	old, _ := New(cheap)
	hash, _ := old.Hash(ctx, "pw-123456")
	current, _ := New(Params{Memory: 128, Time: 1, Threads: 1})
	ok, outdated, err := current.Verify(ctx, hash, "pw-123456")
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
		if ok, _, err := h.Verify(ctx, bad, "x"); err == nil || ok {
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

// TestOwnedMatrixMatchesIDKey holds the slot matrices to argon2.IDKey's results: the RFC 9106
// argon2id test vector's shape (m=32 t=3 p=4), the shipped parameters and random inputs over every lane count and rounding case, each hashed
// twice in one matrix so a matrix left dirty by the first hash would show.
func TestOwnedMatrixMatchesIDKey(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []Params{{Memory: 32, Time: 3, Threads: 4}, {Memory: 8, Time: 1, Threads: 1}, {Memory: 19456, Time: 2, Threads: 1}}
	for range 40 {
		cases = append(cases, Params{Memory: 8 + rng.Uint32N(600), Time: 1 + rng.Uint32N(3), Threads: uint8(1 + rng.IntN(4))})
	}
	for _, p := range cases {
		if p.Memory < 8*uint32(p.Threads) {
			continue
		}
		matrix := make([]block, matrixBlocks(p.Memory, p.Threads))
		for range 2 {
			password, salt := make([]byte, rng.IntN(40)), make([]byte, 8+rng.IntN(24))
			for i := range password {
				password[i] = byte(rng.Uint32())
			}
			for i := range salt {
				salt[i] = byte(rng.Uint32())
			}
			keyLen := uint32(16 + rng.IntN(100))
			got := idKey(matrix, password, salt, p, keyLen)
			want := argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, keyLen)
			if !bytes.Equal(got, want) {
				t.Fatalf("%+v keyLen %d: owned matrix gave %x, argon2.IDKey %x", p, keyLen, got, want)
			}
		}
		for i := range matrix {
			if matrix[i] != (block{}) {
				t.Fatalf("%+v: block %d not wiped after the hash", p, i)
			}
		}
	}
}

// TestVerifiesHashesOfOtherParameters covers stored hashes whose parameters differ from the
// configured ones: of another size, which cannot use the slot's matrix, and of the same size with
// other passes and lanes, which do.
func TestVerifiesHashesOfOtherParameters(t *testing.T) {
	t.Parallel()
	h, _ := New(Params{Memory: 256, Time: 2, Threads: 2})
	salt := []byte("0123456789abcdef")
	b64 := base64.RawStdEncoding
	for _, p := range []Params{{Memory: 64, Time: 2, Threads: 2}, {Memory: 256, Time: 1, Threads: 1}, {Memory: 258, Time: 3, Threads: 4}} {
		key := argon2.IDKey([]byte("pw-123456"), salt, p.Time, p.Memory, p.Threads, 32)
		stored := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
		ok, outdated, err := h.Verify(ctx, stored, "pw-123456")
		if err != nil || !ok || !outdated {
			t.Fatalf("%+v: Verify = %v, %v, %v; want true, true, nil", p, ok, outdated, err)
		}
		if ok, _, _ := h.Verify(ctx, stored, "pw-1234567"); ok {
			t.Fatalf("%+v: a wrong password verified", p)
		}
	}
}

// matrices takes every slot's matrix out and puts it back; no hash may run meanwhile.
func matrices(h *Hasher) []*block {
	var ms []*block
	for range cap(h.slots) {
		m := <-h.slots
		if len(m) == 0 {
			ms = append(ms, nil)
		} else {
			ms = append(ms, &m[0])
		}
		h.slots <- m
	}
	return ms
}

// TestHashAllocatesNoMatrix checks the point of the slots: after the first hash, hashing at the
// configured parameters keeps the slots' matrices and allocates far less than one on the heap.
func TestHashAllocatesNoMatrix(t *testing.T) {
	h, _ := New(Params{Memory: 4096, Time: 1, Threads: 1})
	for range cap(h.slots) { // the slots are a FIFO: this gives every one its matrix
		_, _ = h.Hash(ctx, "warm-up-Passw0rd")
	}
	kept := matrices(h)
	if slices.Contains(kept, nil) {
		t.Fatal("a slot has no matrix after hashing")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 5 {
		_, _ = h.Hash(ctx, "Passw0rd-123456")
	}
	runtime.ReadMemStats(&after)
	if perHash := (after.TotalAlloc - before.TotalAlloc) / 5; perHash > 64<<10 {
		t.Fatalf("a hash allocated %d bytes; the 4 MiB matrix should be reused", perHash)
	}
	for _, m := range matrices(h) { // in another order: the slots rotate
		if !slices.Contains(kept, m) {
			t.Fatalf("a slot holds matrix %p after hashing, not one of %p: a hash mapped a new one", m, kept)
		}
	}
}

// BenchmarkHash and BenchmarkIDKey compare a slot's hash with argon2.IDKey's at the shipped parameters.
func BenchmarkHash(b *testing.B) {
	h, _ := New(OWASP)
	for b.Loop() {
		_, _ = h.Hash(ctx, "bench-Passw0rd")
	}
}

func BenchmarkIDKey(b *testing.B) {
	salt := []byte("0123456789abcdef")
	for b.Loop() {
		argon2.IDKey([]byte("bench-Passw0rd"), salt, OWASP.Time, OWASP.Memory, OWASP.Threads, keyLen)
	}
}

// TestHashesAreIDKeys checks a Hasher's output, from its own mapped matrices, against argon2.IDKey.
func TestHashesAreIDKeys(t *testing.T) {
	t.Parallel()
	h, _ := New(Params{Memory: 256, Time: 2, Threads: 2})
	for range 2 * cap(h.slots) { // every slot, each twice
		hash, err := h.Hash(ctx, "Passw0rd-\u00e9")
		if err != nil {
			t.Fatal(err)
		}
		p, salt, key, err := parse(hash)
		if err != nil {
			t.Fatal(err)
		}
		if want := argon2.IDKey([]byte("Passw0rd-\u00e9"), salt, p.Time, p.Memory, p.Threads, uint32(len(key))); !bytes.Equal(key, want) {
			t.Fatalf("Hash gave key %x, argon2.IDKey %x", key, want)
		}
	}
}

var ctx = context.Background()

// A caller waiting for a slot whose context ends gets its error back at once and costs no hash.
func TestWaitForASlotHonoursTheContext(t *testing.T) {
	h, err := New(cheap)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(ctx, "pw-123456")
	if err != nil {
		t.Fatal(err)
	}
	// Every slot busy, as under a flood of logins.
	held := make([][]block, 0, cap(h.slots))
	for range cap(h.slots) {
		held = append(held, <-h.slots)
	}
	defer func() {
		for _, m := range held {
			h.slots <- m
		}
	}()
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := h.Hash(gone, "pw-123456"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash for a caller that left: %v, want context.Canceled", err)
	}
	waiting, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if ok, _, err := h.Verify(waiting, hash, "pw-123456"); ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify past its deadline: %v, %v; want context.DeadlineExceeded", ok, err)
	}
	if len(h.slots) != 0 {
		t.Errorf("a caller that gave up put %d slots back that it never took", len(h.slots))
	}
}
