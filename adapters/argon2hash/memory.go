package argon2hash

import (
	"encoding/binary"
	_ "unsafe" // go:linkname

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/blake2b"
)

// argon2.IDKey allocates a fresh memory-sized matrix for every hash: at the OWASP parameters 19 MiB
// a login, which the garbage collector must find and the runtime zero again. A hashing slot here
// owns one matrix for good and has x/crypto fill it: its own functions (the assembly-backed block
// compression among them) run the algorithm, and only the allocation is replaced. The functions
// are unexported, so they are reached by name; TestOwnedMatrixMatchesIDKey compares every result
// with argon2.IDKey, and fails on a golang.org/x/crypto upgrade that changes them.

// block is x/crypto's argon2 block: 1 KiB as 128 little-endian words.
type block [128]uint64

const (
	modeID     = 2 // x/crypto's argon2id
	syncPoints = 4 // slices per pass
)

//go:linkname initHash golang.org/x/crypto/argon2.initHash
func initHash(password, salt, key, data []byte, time, memory, threads, keyLen uint32, mode int) [blake2b.Size + 8]byte

//go:linkname blake2bHash golang.org/x/crypto/argon2.blake2bHash
func blake2bHash(out []byte, in []byte)

//go:linkname processBlocks golang.org/x/crypto/argon2.processBlocks
func processBlocks(B []block, time, memory, threads uint32, mode int)

//go:linkname extractKey golang.org/x/crypto/argon2.extractKey
func extractKey(B []block, memory, threads, keyLen uint32) []byte

// matrixBlocks is how many blocks argon2 uses for memory KiB over threads lanes (RFC 9106 3.2:
// rounded down to a multiple of 4 per lane, at least 8 per lane).
func matrixBlocks(memory uint32, threads uint8) uint32 {
	per := syncPoints * uint32(threads)
	return max(memory/per*per, 2*per)
}

// idKeyInto is argon2.IDKey computed in B, which must hold matrixBlocks(memory, threads) zeroed
// blocks (x/crypto XORs even the first pass into them); it leaves B dirty.
func idKeyInto(B []block, password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	h0 := initHash(password, salt, nil, nil, time, memory, uint32(threads), keyLen, modeID)
	memory = uint32(len(B))
	var first [1024]byte
	lanes := memory / uint32(threads)
	for lane := range uint32(threads) {
		binary.LittleEndian.PutUint32(h0[blake2b.Size+4:], lane)
		for i := range uint32(2) { // each lane starts with two blocks hashed from h0
			binary.LittleEndian.PutUint32(h0[blake2b.Size:], i)
			blake2bHash(first[:], h0[:])
			b := &B[lane*lanes+i]
			for w := range b {
				b[w] = binary.LittleEndian.Uint64(first[w*8:])
			}
		}
	}
	processBlocks(B, time, memory, uint32(threads), modeID)
	return extractKey(B, memory, uint32(threads), keyLen)
}

// idKey hashes in matrix when it fits p and leaves it wiped; other parameters (an outdated stored
// hash) get a matrix of their own from argon2.IDKey.
func idKey(matrix []block, password, salt []byte, p Params, keyLen uint32) []byte {
	if uint32(len(matrix)) != matrixBlocks(p.Memory, p.Threads) {
		return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, keyLen)
	}
	// Wipe it after every hash, not before the next: it holds what the password hashed to. The
	// wipe is deferred so that a hash cut short leaves no dirty matrix to the slot's next hash.
	defer clear(matrix)
	return idKeyInto(matrix, password, salt, p.Time, p.Memory, p.Threads, keyLen)
}
