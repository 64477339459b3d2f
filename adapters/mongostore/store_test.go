package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/adapters/mongostore"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/storage"
	"github.com/authd/authd/core/throttle"
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

// The contracts run on three replicas of the store, so that their parallel writers race across
// processes as well as take turns within one.
const contractReplicas = 3

func TestUsers(t *testing.T) {
	contract.UserStore(t, func(t *testing.T) user.Store {
		r, _ := connectReplicas(t, contractReplicas)
		return replicaUsers{r}
	})
}

func TestSessions(t *testing.T) {
	contract.SessionStore(t, func(t *testing.T) (user.Store, credential.SessionStore) {
		r, _ := connectReplicas(t, contractReplicas)
		return replicaUsers{r}, replicaSessions{r}
	})
}

func TestAttemptStoreContract(t *testing.T) {
	contract.AttemptStore(t, func(t *testing.T) throttle.Store {
		r, _ := connectReplicas(t, contractReplicas)
		return replicaAttempts{r}
	})
}

func TestOutboxContract(t *testing.T) {
	contract.Outbox(t, func(t *testing.T) mail.Outbox {
		r, _ := connectReplicas(t, contractReplicas)
		return replicaOutbox{r}
	})
}

func TestNoticesContract(t *testing.T) {
	contract.Notices(t, func(t *testing.T) contract.Stores {
		r, _ := connectReplicas(t, contractReplicas)
		return contract.Stores{Users: replicaUsers{r}, Sessions: replicaSessions{r}, Outbox: replicaOutbox{r}}
	})
}

// TestEmailKeyWithoutUser: a key names a user written before it, so one whose user does not exist
// is an orphan (a registration that failed after its key was written, or one by an older version,
// which wrote the key first and may have crashed) and is taken over at once, however young.
func TestEmailKeyWithoutUser(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		userSaved bool
		want      error
	}{
		{"a key whose user was never written is taken over", false, nil},
		{"a key with its user is simply taken", true, user.ErrEmailTaken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, db := connect(t)
			const email = "claimed@example.com"
			first := contract.NewUser("0000000000000000000000aa", email)
			if tc.userSaved {
				if err := s.Users().Insert(ctx, first); err != nil {
					t.Fatalf("Insert first: %v", err)
				}
			} else {
				plantEmailKey(t, db, email, string(first.ID))
			}

			second := contract.NewUser("0000000000000000000000bb", email)
			if err := s.Users().Insert(ctx, second); !errors.Is(err, tc.want) {
				t.Fatalf("Insert: got %v, want %v", err, tc.want)
			}
			owner, refused := second, first
			if tc.want != nil {
				owner, refused = first, second
			}
			got, err := s.Users().ByEmail(ctx, email)
			if err != nil {
				t.Fatalf("ByEmail: %v", err)
			}
			if got.ID != owner.ID {
				t.Fatalf("ByEmail returned %s, want %s", got.ID, owner.ID)
			}
			if _, err := s.Users().ByID(ctx, refused.ID); !errors.Is(err, user.ErrNotFound) {
				t.Errorf("ByID of the user without the email: got %v, want ErrNotFound", err)
			}
		})
	}
}

// TestContendedCounterGivesUpAfterTheBudget: a writer that loses every compare-and-swap stops
// when the configured budget is spent and says the store is busy, rather than spinning on.
func TestContendedCounterGivesUpAfterTheBudget(t *testing.T) {
	ctx := context.Background()
	db := ferret.Database(t)
	const budget = 200 * time.Millisecond
	s, err := mongostore.Connect(ctx, mongostore.Config{URI: ferret.URI(t), Database: db, RetryBudget: budget})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	const key = "login/account/hot@example.com"
	bump := func(a *throttle.Attempts) error { a.Pending++; return nil }
	if _, err := s.Attempts().Update(ctx, key, bump); err != nil {
		t.Fatalf("first Update: %v", err)
	}
	attempts := rawDB(t, db).Collection("attempts")
	tries := 0
	start := time.Now()
	_, err = s.Attempts().Update(ctx, key, func(a *throttle.Attempts) error {
		// Another writer wins between every read and write of ours.
		tries++
		if _, err := attempts.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}); err != nil {
			t.Errorf("rival write: %v", err)
		}
		return bump(a)
	})
	took := time.Since(start)
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("Update that never wins: got %v, want ErrUnavailable", err)
	}
	if tries < 2 || took < budget/2 || took > budget+time.Second {
		t.Fatalf("gave up after %d tries in %v, want several within about %v", tries, took, budget)
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

// plantEmailKey writes the key of email for userID, as a registration would before (older
// versions) or after (this one) writing the user.
func plantEmailKey(t *testing.T, db, email, userID string) {
	t.Helper()
	key := bson.D{{Key: "_id", Value: email}, {Key: "user_id", Value: userID}, {Key: "created_at", Value: time.Now()}}
	if _, err := rawDB(t, db).Collection("emails").InsertOne(context.Background(), key); err != nil {
		t.Fatalf("plant email key: %v", err)
	}
}

func hexID(n int) string { return fmt.Sprintf("%024x", n) }
