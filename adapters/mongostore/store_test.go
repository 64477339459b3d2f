package mongostore_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/adapters/mongostore"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/storage"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
	"github.com/authd/authd/test/ferret"
)

// connect opens a store on a database of its own and closes it when t ends.
func connect(t *testing.T) (*mongostore.Store, string) {
	t.Helper()
	db := ferret.Database(t)
	s, err := mongostore.Connect(context.Background(), mongostore.Config{URI: ferret.URI(t), Database: db})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s, db
}

func TestUsers(t *testing.T) {
	contract.UserStore(t, func(t *testing.T) user.Store {
		s, _ := connect(t)
		return s.Users()
	})
}

func TestSessions(t *testing.T) {
	contract.SessionStore(t, func(t *testing.T) credential.SessionStore {
		s, _ := connect(t)
		return s.Sessions()
	})
}

func TestAttemptStoreContract(t *testing.T) {
	contract.AttemptStore(t, func(t *testing.T) credential.AttemptStore {
		s, _ := connect(t)
		return s.Attempts()
	})
}

func TestEmailClaimWithoutUser(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		age       time.Duration
		userSaved bool
		want      error
	}{
		{"an old claim whose user was never written is taken over", 2 * time.Minute, false, nil},
		{"a young claim is a registration in flight", 10 * time.Second, false, user.ErrEmailTaken},
		{"an old claim with its user is simply taken", 2 * time.Minute, true, user.ErrEmailTaken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, db := connect(t)
			const email = "claimed@example.com"
			first := contract.NewUser("0000000000000000000000aa", email)
			if tc.userSaved {
				if err := s.Users().Insert(ctx, first); err != nil {
					t.Fatalf("Insert first: %v", err)
				}
			}
			claim := bson.D{
				{Key: "_id", Value: email}, {Key: "user_id", Value: string(first.ID)},
				{Key: "created_at", Value: time.Now().Add(-tc.age)},
			}
			opts := options.Replace().SetUpsert(true)
			if _, err := rawDB(t, db).Collection("emails").ReplaceOne(ctx, bson.D{{Key: "_id", Value: email}}, claim, opts); err != nil {
				t.Fatalf("write claim: %v", err)
			}

			second := contract.NewUser("0000000000000000000000bb", email)
			err := s.Users().Insert(ctx, second)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Insert: got %v, want %v", err, tc.want)
			}
			owner := first
			if tc.want == nil {
				owner = second
			}
			got, err := s.Users().ByEmail(ctx, email)
			switch {
			case !tc.userSaved && tc.want != nil:
				if !errors.Is(err, user.ErrNotFound) {
					t.Fatalf("ByEmail of a claim without user: got %v, want ErrNotFound", err)
				}
			case err != nil:
				t.Fatalf("ByEmail: %v", err)
			case got.ID != owner.ID:
				t.Fatalf("ByEmail returned %s, want %s", got.ID, owner.ID)
			}
		})
	}
}

func TestConnectToNothingIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	start := time.Now()
	_, err = mongostore.Connect(context.Background(), mongostore.Config{
		URI: "mongodb://" + addr + "/", Database: "authd", ServerSelectionTimeout: 500 * time.Millisecond,
	})
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("Connect: got %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Connect gave up after %v, want about the 500ms selection timeout", took)
	}
	if strings.Contains(err.Error(), addr) {
		t.Errorf("error leaks driver detail: %v", err)
	}
}

func TestServerGoneIsUnavailable(t *testing.T) {
	ctx := context.Background()
	uri, stop, err := ferret.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(stop)
	s, err := mongostore.Connect(ctx, mongostore.Config{URI: uri, Database: "authd", ServerSelectionTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	u := contract.NewUser("0000000000000000000000cc", "gone@example.com")
	if err := s.Users().Insert(ctx, u); err != nil {
		t.Fatalf("Insert: %v", err)
	}

	stop()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := s.Users().ByID(ctx, u.ID); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("ByID: got %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("ByID gave up after %v", took)
	}
}

// rawDB is the driver's view of a test database, for writing what the store itself never would.
func rawDB(t *testing.T, name string) *mongo.Database {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(ferret.URI(t)))
	if err != nil {
		t.Fatalf("mongo.Connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database(name)
}
