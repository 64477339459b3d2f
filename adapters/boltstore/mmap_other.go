//go:build !linux

package boltstore

// mmapFlags is bbolt's default mapping elsewhere; on Linux it prefaults the file.
const mmapFlags = 0
