package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
)

// The claim keys below spell out the adapter's "<collection>/<id>/<version>" on purpose: a test
// that planted claims under any other name would prove nothing.

func TestStaleClaimIsTakenOver(t *testing.T) {
	ctx := context.Background()
	t.Run("by Update", func(t *testing.T) {
		s, db := connect(t)
		u := contract.NewUser(hexID(1), "stale@example.com")
		if err := s.Users().Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		plantClaim(t, db, "users/"+string(u.ID)+"/0", 2*time.Minute)
		u.Profile.FirstName = "Grace"
		if err := s.Users().Update(ctx, u); err != nil {
			t.Fatalf("Update: %v", err)
		}
		got, err := s.Users().ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		if got.Version != 1 || got.Profile.FirstName != "Grace" {
			t.Fatalf("stored user at version %d named %q, want 1 and Grace", got.Version, got.Profile.FirstName)
		}
		assertNoClaims(t, db)
	})
	t.Run("by Revoke", func(t *testing.T) {
		s, db := connect(t)
		sess := contract.NewSession(hexID(1))
		if err := s.Sessions().Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		plantClaim(t, db, "sessions/"+sess.ID+"/0", 2*time.Minute)
		if err := s.Sessions().Revoke(ctx, sess.ID, sess.CreatedAt); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if got, err := s.Sessions().ByID(ctx, sess.ID); err != nil || got.RevokedAt == nil {
			t.Fatalf("ByID after Revoke: %+v, %v", got, err)
		}
		assertNoClaims(t, db)
	})
}

// TestCounterClaimOfAKilledWriterIsTakenOverWithinOneRequest is the crash the container suite
// found: a replica killed while it held the claim on a throttle counter (a client address every
// login from it shares) left the claim fresh, and every login counting on that key answered 503
// until the claim turned a minute old. A counter's claim turns stale within one update's patience.
func TestCounterClaimOfAKilledWriterIsTakenOverWithinOneRequest(t *testing.T) {
	ctx := context.Background()
	s, db := connect(t)
	bump := func(a credential.Attempts) credential.Attempts { a.Pending++; return a }
	if _, err := s.Attempts().Update(ctx, "login/ip/192.0.2.7", bump); err != nil {
		t.Fatalf("first Update: %v", err)
	}
	plantClaim(t, db, "attempts/login/ip/192.0.2.7/0", 0) // the killed writer's, on version 0
	got, err := s.Attempts().Update(ctx, "login/ip/192.0.2.7", bump)
	if err != nil {
		t.Fatalf("Update behind a killed writer's claim: %v", err)
	}
	if got.Pending != 2 {
		t.Fatalf("Pending = %d after two admitted attempts, want 2", got.Pending)
	}
	assertNoClaims(t, db)
}

func TestFreshClaimIsRespected(t *testing.T) {
	ctx := context.Background()
	t.Run("Update is a conflict and changes nothing", func(t *testing.T) {
		s, db := connect(t)
		u := contract.NewUser(hexID(1), "busy@example.com")
		if err := s.Users().Insert(ctx, u); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		plantClaim(t, db, "users/"+string(u.ID)+"/0", 0)
		c := *u
		c.Profile.FirstName = "Mallory"
		if err := s.Users().Update(ctx, &c); !errors.Is(err, user.ErrConflict) {
			t.Fatalf("Update: got %v, want ErrConflict", err)
		}
		got, err := s.Users().ByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("ByID: %v", err)
		}
		if got.Version != 0 || got.Profile.FirstName != u.Profile.FirstName {
			t.Fatalf("stored user at version %d named %q, want it untouched", got.Version, got.Profile.FirstName)
		}
		if n := countClaims(t, db); n != 1 {
			t.Fatalf("%d claims left, want the other writer's 1", n)
		}
	})
	t.Run("Revoke waits for the holder to finish", func(t *testing.T) {
		s, db := connect(t)
		sess := contract.NewSession(hexID(1))
		if err := s.Sessions().Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		key := "sessions/" + sess.ID + "/0"
		plantClaim(t, db, key, 0)
		claims := rawDB(t, db).Collection("claims")
		released := make(chan error, 1)
		time.AfterFunc(30*time.Millisecond, func() {
			_, err := claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
			released <- err
		})
		if err := s.Sessions().Revoke(ctx, sess.ID, sess.CreatedAt); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if err := <-released; err != nil {
			t.Fatalf("release the other writer's claim: %v", err)
		}
		if got, err := s.Sessions().ByID(ctx, sess.ID); err != nil || got.RevokedAt == nil {
			t.Fatalf("ByID after Revoke: %+v, %v", got, err)
		}
	})
	t.Run("Revoke blocked for good fails instead of hanging", func(t *testing.T) {
		s, db := connect(t)
		sess := contract.NewSession(hexID(1))
		if err := s.Sessions().Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		plantClaim(t, db, "sessions/"+sess.ID+"/0", 0)
		start := time.Now()
		if err := s.Sessions().Revoke(ctx, sess.ID, sess.CreatedAt); err == nil {
			t.Fatal("Revoke under another writer's claim succeeded")
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("Revoke gave up after %v", took)
		}
	})
}

// plantClaim writes a claim as another writer would have, age ago.
func plantClaim(t *testing.T, db, key string, age time.Duration) {
	t.Helper()
	claim := bson.D{{Key: "_id", Value: key}, {Key: "created_at", Value: time.Now().Add(-age)}}
	if _, err := rawDB(t, db).Collection("claims").InsertOne(context.Background(), claim); err != nil {
		t.Fatalf("plant claim: %v", err)
	}
}

// assertNoClaims checks that claims do not outlive the writes they guarded.
func assertNoClaims(t *testing.T, db string) {
	t.Helper()
	if n := countClaims(t, db); n != 0 {
		t.Errorf("%d claims left behind", n)
	}
}

func countClaims(t *testing.T, db string) int64 {
	t.Helper()
	n, err := rawDB(t, db).Collection("claims").CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatalf("count claims: %v", err)
	}
	return n
}

func hexID(n int) string { return fmt.Sprintf("%024x", n) }
