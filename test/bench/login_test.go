package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/authd/authd/adapters/boltstore"
	"github.com/authd/authd/adapters/mongostore"
	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/ferret"
	"github.com/authd/authd/test/load"
)

// loginUsers is the bench's round at 1,000 users.
const loginUsers = 1000

// BenchmarkLoginWrite is the store write that ends every successful login, Sessions.Open with the
// user's last login, without and with the login_succeeded event that login now records in it.
// Besides the time it reports this process's CPU per login (cpu-µs/op): the figure to set beside
// the 17–30 ms of CPU a login's argon2id hash takes. On bbolt the event rides in the login's
// transaction, so it adds CPU and pages written but no commit; on MongoDB it is appended after the
// user's write. FerretDB runs in this process, so its CPU counts too (AUTHD_TEST_MONGODB_URI points
// the benchmark at a real MongoDB instead, whose CPU then does not).
//
// With 16 clients, as many as the bench's, writes share group commits; with one, each login is a
// commit of its own, as most are while a login storm waits for its hashes: the time per op is then
// what the event adds to a login's latency.
//
//	go test -run '^$' -bench LoginWrite -count 5 ./test/bench
func BenchmarkLoginWrite(b *testing.B) {
	stores := []struct {
		name string
		open func(*testing.B) (user.Store, credential.SessionStore)
	}{
		{"bbolt", openBolt},
		{"mongodb", openMongo},
	}
	for _, s := range stores {
		for _, clients := range []int{1, 16} {
			for _, event := range []bool{false, true} {
				b.Run(fmt.Sprintf("%s/clients=%d/event=%v", s.name, clients, event), func(b *testing.B) { benchLogins(b, s.open, clients, event) })
			}
		}
	}
}

// benchLogins opens sessions for random users of a fresh store from clients goroutines, recording
// each login as the service does, with its event when event is set.
func benchLogins(b *testing.B, open func(*testing.B) (user.Store, credential.SessionStore), clients int, event bool) {
	ctx := context.Background()
	users, sessions := open(b)
	seeder := &load.Seeder{Users: users, Sessions: sessions, Hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", Writers: 32}
	if err := seeder.Population(ctx, 0, loginUsers); err != nil {
		b.Fatal(err)
	}
	client := credential.Client{IP: "198.51.100.7", UserAgent: "Go-http-client/1.1"}
	login := func(r *rand.Rand) error {
		now := time.Now()
		sess := &credential.Session{
			ID: newID(), UserID: load.PopulationID(r.IntN(loginUsers)), RefreshID: newID(),
			CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour), LastUsedAt: now, Device: client.Device(true),
		}
		// As credential's openSession records a login: the epoch check, the last login, the event.
		_, err := sessions.Open(ctx, sess, func(u *user.User) error {
			if u.TokenEpoch != 0 {
				return credential.ErrInvalidCredentials
			}
			u.RecordLogin(now, "")
			if event {
				e := audit.New(newID(), "", audit.LoginSucceeded, now)
				e.SessionID, e.IP = sess.ID, client.Device(true).IP
				u.Record(e)
			}
			return nil
		})
		return err
	}
	b.ResetTimer()
	cpu0 := processCPU(b)
	if clients == 1 {
		r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		for range b.N {
			if err := login(r); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		// RunParallel starts GOMAXPROCS goroutines per unit of parallelism.
		b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
			for pb.Next() {
				if err := login(r); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	cpu := processCPU(b) - cpu0
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
}

func openBolt(b *testing.B) (user.Store, credential.SessionStore) {
	db, err := boltstore.Open(filepath.Join(b.TempDir(), "authd.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	return db.Users(), db.Sessions()
}

func openMongo(b *testing.B) (user.Store, credential.SessionStore) {
	ctx := context.Background()
	s, err := mongostore.Connect(ctx, mongostore.Config{URI: ferret.URI(b), Database: ferret.Database(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close(ctx) })
	return s.Users(), s.Sessions()
}

// processCPU is the CPU time, user and system, this process has used so far, to the microsecond.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// newID is an id in the service's format, 24 lower-case hex digits.
func newID() string {
	var raw [12]byte
	_, _ = crand.Read(raw[:])
	return hex.EncodeToString(raw[:])
}
