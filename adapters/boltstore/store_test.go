package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/adapters/boltstore"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/storage"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
)

var ctx = context.Background()

// dbPath sits in a directory that doesn't exist yet, so every test also covers Open creating it.
func dbPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "data", "authd.db")
}

func open(t *testing.T, path string) *boltstore.DB {
	t.Helper()
	db, err := boltstore.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestUserStoreContract(t *testing.T) {
	t.Parallel()
	contract.UserStore(t, func(t *testing.T) user.Store { return open(t, dbPath(t)).Users() })
}

func TestSessionStoreContract(t *testing.T) {
	t.Parallel()
	contract.SessionStore(t, func(t *testing.T) (user.Store, credential.SessionStore) {
		db := open(t, dbPath(t))
		return db.Users(), db.Sessions()
	})
}

func TestOutboxContract(t *testing.T) {
	t.Parallel()
	contract.Outbox(t, func(t *testing.T) mail.Outbox { return open(t, dbPath(t)).Outbox() })
}

func TestNoticesContract(t *testing.T) {
	t.Parallel()
	contract.Notices(t, func(t *testing.T) contract.Stores {
		db := open(t, dbPath(t))
		return contract.Stores{Users: db.Users(), Sessions: db.Sessions(), Outbox: db.Outbox()}
	})
}

func TestDataSurvivesReopen(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	db := open(t, path)
	u := contract.NewUser(fmt.Sprintf("%024x", 1), "kept@example.com")
	if err := db.Users().Insert(ctx, u); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	if _, err := db.Users().Update(ctx, u.ID, func(u *user.User) error { u.TokenEpoch++; return nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	u.TokenEpoch++
	sess := contract.NewSession(fmt.Sprintf("%024x", 2))
	if err := db.Sessions().Create(ctx, sess); err != nil {
		t.Fatalf("Create: %v", err)
	}
	n := contract.NewNotice("kept", sess.CreatedAt)
	if err := db.Outbox().Enqueue(ctx, n); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db = open(t, path)
	if m, err := db.Outbox().Claim(ctx, n.CreatedAt, time.Minute); err != nil || m.ID != n.ID {
		t.Errorf("Claim after reopen = %+v, %v; want the message queued before", m, err)
	}
	got, err := db.Users().ByEmail(ctx, u.Email)
	if err != nil {
		t.Fatalf("ByEmail after reopen: %v", err)
	}
	if got.ID != u.ID || got.TokenEpoch != u.TokenEpoch || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("user after reopen = %+v, want id %s with the update's token epoch %d", got, u.ID, u.TokenEpoch)
	}
	gotSess, err := db.Sessions().ByID(ctx, sess.ID)
	if err != nil {
		t.Fatalf("session ByID after reopen: %v", err)
	}
	if gotSess.RefreshID != sess.RefreshID || !gotSess.ExpiresAt.Equal(sess.ExpiresAt) {
		t.Errorf("session after reopen = %+v, want %+v", gotSess, sess)
	}

	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (err %v), want %v", p, fi.Mode().Perm(), err, want)
		}
	}
}

func TestSecondOpenOfALockedFileFails(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	open(t, path)
	start := time.Now()
	second, err := boltstore.Open(path)
	if err == nil {
		_ = second.Close()
		t.Fatal("second Open of a file in use succeeded")
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("second Open took %v to fail", waited)
	}
	if !strings.Contains(err.Error(), "locked") || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q doesn't say that %s is locked", err, path)
	}
}

func TestPingAndClosedDatabase(t *testing.T) {
	t.Parallel()
	db := open(t, dbPath(t))
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Ping(ctx); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("Ping after Close: got %v, want ErrUnavailable", err)
	}
	if err := db.Users().Insert(ctx, contract.NewUser(fmt.Sprintf("%024x", 1), "late@example.com")); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("Insert after Close: got %v, want ErrUnavailable", err)
	}
}

func TestDoneContextStopsBeforeWork(t *testing.T) {
	t.Parallel()
	db := open(t, dbPath(t))
	done, cancel := context.WithCancel(ctx)
	cancel()
	u := contract.NewUser(fmt.Sprintf("%024x", 1), "never@example.com")
	if err := db.Users().Insert(done, u); !errors.Is(err, context.Canceled) {
		t.Fatalf("Insert: got %v, want context.Canceled", err)
	}
	if _, err := db.Users().ByID(ctx, u.ID); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("user written despite the done context: %v", err)
	}
	if _, err := db.Sessions().DeleteExpired(done, time.Now()); !errors.Is(err, context.Canceled) {
		t.Errorf("DeleteExpired: got %v, want context.Canceled", err)
	}
}

func TestCorruptDocumentsAreErrors(t *testing.T) {
	t.Parallel()
	for name, garbage := range map[string]string{"not json": "\x00{garbage", "wrong shape": "{}"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := dbPath(t)
			db := open(t, path)
			u := contract.NewUser(fmt.Sprintf("%024x", 1), "broken@example.com")
			sess := contract.NewSession(fmt.Sprintf("%024x", 2))
			if err := db.Users().Insert(ctx, u); err != nil {
				t.Fatalf("Insert: %v", err)
			}
			if err := db.Sessions().Create(ctx, sess); err != nil {
				t.Fatalf("Create: %v", err)
			}
			n := contract.NewNotice("n1", sess.CreatedAt)
			if err := db.Outbox().Enqueue(ctx, n); err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
			if err := db.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			overwrite(t, path, map[string]string{"users": string(u.ID), "sessions": sess.ID, "mail": n.ID}, garbage)

			db = open(t, path)
			users, sessions, outbox := db.Users(), db.Sessions(), db.Outbox()
			checks := map[string]func() error{
				"ByID":         func() error { _, err := users.ByID(ctx, u.ID); return err },
				"ByEmail":      func() error { _, err := users.ByEmail(ctx, u.Email); return err },
				"Update":       func() error { _, err := users.Update(ctx, u.ID, func(*user.User) error { return nil }); return err },
				"session ByID": func() error { _, err := sessions.ByID(ctx, sess.ID); return err },
				"ByUser":       func() error { _, err := sessions.ByUser(ctx, sess.UserID, sess.CreatedAt); return err },
				"Rotate": func() error {
					_, err := sessions.Update(ctx, sess.ID, credential.Rotate(sess.RefreshID, "x", sess.ExpiresAt))
					return err
				},
				"Revoke": func() error { _, err := sessions.Update(ctx, sess.ID, credential.Revoke(sess.CreatedAt)); return err },
				"Open": func() error {
					_, err := sessions.Open(ctx, contract.NewSession(fmt.Sprintf("%024x", 3)), func(*user.User) error { return nil })
					return err
				},
				"DeleteExpired": func() error { _, err := sessions.DeleteExpired(ctx, sess.ExpiresAt.Add(time.Hour)); return err },
				"Claim":         func() error { _, err := outbox.Claim(ctx, n.CreatedAt, time.Minute); return err },
				"Retry":         func() error { return outbox.Retry(ctx, n.ID, n.CreatedAt, "x") },
				"Backlog":       func() error { _, err := outbox.Backlog(ctx); return err },
			}
			for op, check := range checks {
				err := check()
				if err == nil || errors.Is(err, user.ErrNotFound) || errors.Is(err, credential.ErrSessionNotFound) {
					t.Errorf("%s on a corrupt document: got %v, want a corruption error", op, err)
				} else if !strings.Contains(err.Error(), "corrupt") {
					t.Errorf("%s: error %q doesn't say the document is corrupt", op, err)
				}
			}
		})
	}
}

// overwrite replaces the documents at keys (bucket → key) with garbage, going behind the store's back.
func overwrite(t *testing.T, path string, keys map[string]string, garbage string) {
	t.Helper()
	raw, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer raw.Close()
	err = raw.Update(func(tx *bolt.Tx) error {
		for bucket, key := range keys {
			if err := tx.Bucket([]byte(bucket)).Put([]byte(key), []byte(garbage)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("write garbage: %v", err)
	}
}

func TestAttemptStoreContract(t *testing.T) {
	t.Parallel()
	contract.AttemptStore(t, func(t *testing.T) throttle.Store { return open(t, dbPath(t)).Attempts() })
}
