package argon2hash

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// newMatrix maps n blocks outside the Go heap. The matrix holds what passwords hash to, so it is
// left out of core dumps; and as memory every hash reuses and nothing points into, it has no
// business in the collector's pacing, which would otherwise let as much garbage pile up again.
// Should the mapping fail, the heap will do.
func newMatrix(n uint32) []block {
	size := int(n) * int(unsafe.Sizeof(block{}))
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return make([]block, n)
	}
	_ = unix.Madvise(mem, unix.MADV_DONTDUMP) // best effort: older kernels lack it
	return unsafe.Slice((*block)(unsafe.Pointer(&mem[0])), n)
}
