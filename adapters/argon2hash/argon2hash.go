// Package argon2hash stores passwords as argon2id PHC strings (golang.org/x/crypto/argon2).
package argon2hash

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// OWASP is the OWASP Password Storage Cheat Sheet's argon2id minimum: 19 MiB, 2 passes, 1 lane.
var OWASP = Params{Memory: 19456, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// maxMemory refuses stored hashes that would make one Verify allocate more than 1 GiB.
	maxMemory = 1 << 20
)

var errMalformed = errors.New("argon2hash: malformed hash")

// Hasher hashes and verifies passwords. Hashes run at most one per CPU at a time: more would only
// share the same cores while each holds its Memory. Each slot keeps its memory between hashes, so
// the hasher holds at most GOMAXPROCS matrices of Memory KiB and allocates none per hash.
type Hasher struct {
	params Params
	slots  chan []block // a slot's matrix, nil until its first hash
}

// New returns a Hasher that hashes with p.
func New(p Params) (*Hasher, error) {
	if p.Memory < 8*uint32(p.Threads) || p.Time < 1 || p.Threads < 1 || p.Memory > maxMemory {
		return nil, fmt.Errorf("argon2hash: invalid parameters m=%d t=%d p=%d", p.Memory, p.Time, p.Threads)
	}
	slots := make(chan []block, runtime.GOMAXPROCS(0))
	for range cap(slots) {
		slots <- nil
	}
	return &Hasher{params: p, slots: slots}, nil
}

// Hash returns the PHC string of the NFC form of password with a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2hash: salt: %w", err)
	}
	key, err := h.derive(ctx, password, salt, h.params, keyLen)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.params.Memory, h.params.Time, h.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks password against a PHC hash, and reports whether the hash's parameters differ from the configured ones.
func (h *Hasher) Verify(ctx context.Context, hash, password string) (bool, bool, error) {
	p, salt, want, err := parse(hash)
	if err != nil {
		return false, false, err
	}
	got, err := h.derive(ctx, password, salt, p, uint32(len(want)))
	if err != nil {
		return false, false, err
	}
	ok := subtle.ConstantTimeCompare(got, want) == 1
	return ok, p != h.params || len(want) != keyLen || len(salt) != saltLen, nil
}

// derive waits for a free slot, or for ctx to end: a caller that has gone away costs no hash.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Params, n uint32) ([]byte, error) {
	var matrix []block
	select {
	case matrix = <-h.slots:
	case <-ctx.Done():
		return nil, fmt.Errorf("argon2hash: waiting for a free slot: %w", ctx.Err())
	}
	defer func() { h.slots <- matrix }() // reads matrix on return, so a matrix made below is kept
	if matrix == nil {
		matrix = newMatrix(matrixBlocks(h.params.Memory, h.params.Threads))
	}
	// The same password typed on two keyboards may arrive composed or decomposed; hash one form.
	return idKey(matrix, []byte(norm.NFC.String(password)), salt, p, n), nil
}

func parse(hash string) (Params, []byte, []byte, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, errMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, errMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, errMalformed
	}
	if p.Memory > maxMemory || p.Time < 1 || p.Time > 64 || p.Threads < 1 || p.Memory < 8*uint32(p.Threads) {
		return Params{}, nil, nil, errMalformed
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, errMalformed
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, errMalformed
	}
	return p, salt, key, nil
}
