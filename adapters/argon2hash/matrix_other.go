//go:build !linux

package argon2hash

// newMatrix allocates n blocks on the Go heap; on Linux they are mapped outside it.
func newMatrix(n uint32) []block { return make([]block, n) }
