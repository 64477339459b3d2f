package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/authd/authd/adapters/boltstore"
	"github.com/authd/authd/adapters/mongostore"
	"github.com/authd/authd/test/ferret"
	"github.com/authd/authd/test/load"
)

// database is the storage the service runs on, opened directly for seeding while the service is down.
type database interface {
	// open returns a seeder writing through the store adapter, and how to close it again.
	open(ctx context.Context, hash string) (*load.Seeder, func() error, error)
	// env is what the service needs to find the store.
	env() []string
	name() string
}

// boltDB is the embedded store: a bbolt file in the data directory.
type boltDB struct{ dir string }

func (b boltDB) open(_ context.Context, hash string) (*load.Seeder, func() error, error) {
	db, err := boltstore.Open(filepath.Join(b.dir, "authd.db"))
	if err != nil {
		return nil, nil, err
	}
	// bbolt coalesces up to 1000 concurrent writes into one transaction; give it full batches.
	return &load.Seeder{Users: db.Users(), Sessions: db.Sessions(), Hash: hash, Writers: 1000}, db.Close, nil
}

func (b boltDB) env() []string { return []string{"AUTHD_DATA_DIR=" + b.dir} }
func (b boltDB) name() string  { return "embedded bbolt" }

// mongoDB is a MongoDB-compatible server: FerretDB in a child process.
type mongoDB struct{ uri string }

const mongoDatabase = "authdbench"

func (m mongoDB) open(ctx context.Context, hash string) (*load.Seeder, func() error, error) {
	s, err := mongostore.Connect(ctx, mongostore.Config{URI: m.uri, Database: mongoDatabase})
	if err != nil {
		return nil, nil, err
	}
	closeFn := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return s.Close(ctx)
	}
	return &load.Seeder{Users: s.Users(), Sessions: s.Sessions(), Hash: hash, Writers: 32}, closeFn, nil
}

func (m mongoDB) env() []string {
	return []string{"AUTHD_MONGODB_URI=" + m.uri, "AUTHD_MONGODB_DATABASE=" + mongoDatabase}
}
func (m mongoDB) name() string { return "MongoDB (FerretDB on SQLite, own process)" }

// serveFerret is the benchmark's child process running FerretDB with its files in dir. It prints the
// URI on stdout and serves until SIGTERM.
func serveFerret(dir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	uri, stopFerret, err := ferret.Start(ctx, dir)
	if err != nil {
		return err
	}
	defer stopFerret()
	if _, err := fmt.Fprintln(os.Stdout, uri); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
