package boltstore_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/authd/authd/adapters/boltstore"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
)

// benchUsers is how many users and sessions the lookup benchmarks search among.
const benchUsers = 20_000

// benchDB opens a store holding benchUsers users, each with one session, written concurrently so
// that bbolt batches them.
func benchDB(b *testing.B) *boltstore.DB {
	b.Helper()
	db, err := boltstore.Open(dbPathB(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	var wg sync.WaitGroup
	errs := make(chan error, benchUsers)
	sem := make(chan struct{}, 500)
	for i := range benchUsers {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := db.Users().Insert(ctx, contract.NewUser(fmt.Sprintf("%024x", i), fmt.Sprintf("u%d@example.com", i))); err != nil {
				errs <- err
			}
			if err := db.Sessions().Create(ctx, contract.NewSession(fmt.Sprintf("5e55%020x", i))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return db
}

func dbPathB(b *testing.B) string { return b.TempDir() + "/authd.db" }

// BenchmarkUsersByID is the user lookup of every authenticated request and of GET /users/{id}.
func BenchmarkUsersByID(b *testing.B) {
	users := benchDB(b).Users()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i = (i + 7919) % benchUsers
		if _, err := users.ByID(ctx, user.ID(fmt.Sprintf("%024x", i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUsersByEmail is the lookup of every login.
func BenchmarkUsersByEmail(b *testing.B) {
	users := benchDB(b).Users()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i = (i + 7919) % benchUsers
		if _, err := users.ByEmail(ctx, fmt.Sprintf("u%d@example.com", i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionsByID is the session lookup of every authenticated request and refresh.
func BenchmarkSessionsByID(b *testing.B) {
	sessions := benchDB(b).Sessions()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i = (i + 7919) % benchUsers
		if _, err := sessions.ByID(ctx, fmt.Sprintf("5e55%020x", i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionsRevoke is one durable write as logout makes it, alone: bbolt's batch delay and
// an fsync per transaction, with nobody to share them.
func BenchmarkSessionsRevoke(b *testing.B) {
	sessions := benchDB(b).Sessions()
	i := 0
	for b.Loop() {
		i = (i + 1) % benchUsers
		if _, err := sessions.Update(ctx, fmt.Sprintf("5e55%020x", i), credential.Revoke(contract.NewSession("x").CreatedAt)); err != nil {
			b.Fatal(err)
		}
	}
}
