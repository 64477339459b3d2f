package boltstore

import bolt "go.etcd.io/bbolt"

// Raw is the bbolt database under db, for tests that write behind the store's back while it is
// open (a second bolt.Open of the file would wait for its lock).
func Raw(db *DB) *bolt.DB { return db.bolt.db }
