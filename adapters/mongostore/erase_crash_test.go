package mongostore_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/authd/authd/adapters/mongostore"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
	"github.com/authd/authd/test/ferret"
	"github.com/authd/authd/test/wireproxy"
)

// TestEraseFinishesWhateverCrashCameBefore: an Erase whose process dies before its k-th command
// reaches the server, for every k until one that completes, leaves the user listed by Deleted,
// and the next Erase removes everything. The user's document goes last, so what a crash leaves is
// always found again.
func TestEraseFinishesWhateverCrashCameBefore(t *testing.T) {
	ctx := context.Background()
	backend, err := url.Parse(ferret.URI(t))
	if err != nil || backend.Scheme != "mongodb" || strings.Contains(backend.Host, ",") {
		t.Skipf("can only cut connections in front of a single plain mongodb:// server, not %s", backend.Redacted())
	}
	handshake := map[string]bool{"hello": true, "isMaster": true, "ismaster": true, "endSessions": true, "": true}
	for k := 0; ; k++ {
		if k > 20 {
			t.Fatal("Erase never completed within 20 commands")
		}
		good, db := connect(t)
		u := contract.NewUser(hexID(1), "crash@example.com")
		if err := good.Users().Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		sess := contract.NewSession(hexID(2))
		if err := good.Sessions().Create(ctx, sess); err != nil {
			t.Fatalf("Create session: %v", err)
		}
		n := contract.NewNotice("n1", time.Now())
		if _, err := good.Users().Update(ctx, u.ID, func(u *user.User) error { u.Notify(n); return nil }); err != nil {
			t.Fatalf("queue mail: %v", err)
		}
		if _, err := good.Users().Update(ctx, u.ID, contract.Deletion(time.Now())); err != nil {
			t.Fatalf("delete: %v", err)
		}

		var armed atomic.Bool
		var sent atomic.Int32
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := &wireproxy.Proxy{Backend: backend.Host, Cut: func(name string) bool {
			return armed.Load() && !handshake[name] && int(sent.Add(1)) > k
		}}
		go func() { _ = p.Serve(ln) }()
		t.Cleanup(func() { _ = p.Close() })
		crashing, err := mongostore.Connect(ctx, mongostore.Config{
			URI: "mongodb://" + ln.Addr().String() + "/", Database: db, ServerSelectionTimeout: time.Second,
		})
		if err != nil {
			t.Fatalf("Connect through the proxy: %v", err)
		}
		t.Cleanup(func() { _ = crashing.Close(ctx) })

		armed.Store(true)
		eraseErr := crashing.Users().Erase(ctx, u.ID)
		armed.Store(false)
		if eraseErr == nil {
			if k < 5 {
				t.Fatalf("Erase completed in %d commands; it takes at least 5", k)
			}
			assertErased(t, good, db, u, sess.ID)
			t.Logf("Erase took %d commands; a crash before each was finished by the next Erase", k)
			return
		}
		if ids, err := good.Users().Deleted(ctx, time.Now().Add(time.Minute), 10); err != nil || len(ids) != 1 || ids[0] != u.ID {
			t.Fatalf("k=%d: after the crash (%v), Deleted = %v, %v; want the user", k, eraseErr, ids, err)
		}
		if err := good.Users().Erase(ctx, u.ID); err != nil {
			t.Fatalf("k=%d: Erase after the crash: %v", k, err)
		}
		assertErased(t, good, db, u, sess.ID)
	}
}

func assertErased(t *testing.T, s *mongostore.Store, db string, u *user.User, sessionID string) {
	t.Helper()
	ctx := context.Background()
	if ids, err := s.Users().Deleted(ctx, time.Now().Add(time.Minute), 10); err != nil || len(ids) != 0 {
		t.Errorf("Deleted after Erase = %v, %v; want none", ids, err)
	}
	if _, err := s.Sessions().ByID(ctx, sessionID); !errors.Is(err, credential.ErrSessionNotFound) {
		t.Errorf("session after Erase: got %v, want ErrSessionNotFound", err)
	}
	if b, err := s.Outbox().Backlog(ctx); err != nil || b.Count != 0 {
		t.Errorf("Backlog after Erase = %+v, %v; want empty", b, err)
	}
	raw := rawDB(t, db)
	for coll, filter := range map[string]bson.D{
		"users":  {{Key: "_id", Value: string(u.ID)}},
		"emails": {{Key: "_id", Value: u.Email}},
	} {
		if n, err := raw.Collection(coll).CountDocuments(ctx, filter); err != nil || n != 0 {
			t.Errorf("%s after Erase: %d documents (%v), want none", coll, n, err)
		}
	}
}
