package boltstore

import "syscall"

// mmapFlags prefaults the whole file into the mapping when it is opened or grown, as etcd does:
// otherwise the first read of each page after a start takes a page fault, which at a million
// users made random lookups cost half as much again until the file was warm.
const mmapFlags = syscall.MAP_POPULATE
