package boltstore_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/test/contract"
)

// TestSessionsOfAnOlderFileAreIndexedOnOpen opens a file written before sessions were indexed by
// user, and expects its sessions listed, and the index kept from then on.
func TestSessionsOfAnOlderFileAreIndexedOnOpen(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	db := open(t, path)
	var want []string
	listedAt := contract.NewSession("").CreatedAt
	for i, userID := range []string{"u1", "u2", "u1"} {
		sess := contract.NewSession(fmt.Sprintf("%024x", i))
		sess.UserID = userID
		if err := db.Sessions().Create(ctx, sess); err != nil {
			t.Fatalf("Create: %v", err)
		}
		want = append(want, userID+"/"+sess.ID)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	slices.Sort(want)
	dropSessionIndex(t, path)

	db = open(t, path)
	for userID, n := range map[string]int{"u1": 2, "u2": 1, "u3": 0} {
		if got, err := db.Sessions().ByUser(ctx, userID, listedAt); err != nil || len(got) != n {
			t.Errorf("ByUser(%s) = %d sessions, %v; want %d", userID, len(got), err, n)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := sessionIndex(t, path); !slices.Equal(got, want) {
		t.Errorf("index after reopening = %v, want %v", got, want)
	}
}

// TestSessionWrittenBeforeItsDeviceAndRotationReads: a session stored before sessions kept their
// last use, device and rotation reads with none of them.
func TestSessionWrittenBeforeItsDeviceAndRotationReads(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	db := open(t, path)
	sess := contract.NewSession(fmt.Sprintf("%024x", 1))
	if err := db.Sessions().Create(ctx, sess); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	overwrite(t, path, map[string]string{"sessions": sess.ID}, fmt.Sprintf(
		`{"id":%q,"user_id":%q,"refresh_id":%q,"epoch":3,"created_at":"2026-01-02T03:04:05.006Z","expires_at":"2026-01-09T03:04:05.006Z"}`,
		sess.ID, sess.UserID, sess.RefreshID))

	got, err := open(t, path).Sessions().ByID(ctx, sess.ID)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	if !got.LastUsedAt.IsZero() || got.Rotation != nil || got.Device != (credential.Device{}) ||
		got.RefreshID != sess.RefreshID || !got.ExpiresAt.Equal(sess.ExpiresAt) {
		t.Errorf("session = %+v, want %s's refresh state with no last use, device or rotation", got, sess.ID)
	}
}

// dropSessionIndex deletes the sessions_by_user bucket from the file at path, as files written
// before it existed lack it, going behind the store's back.
func dropSessionIndex(t *testing.T, path string) {
	t.Helper()
	raw, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer raw.Close()
	if err := raw.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("sessions_by_user")) }); err != nil {
		t.Fatalf("drop session index: %v", err)
	}
}

// sessionIndex lists the entries of the sessions_by_user bucket of the closed file at path, in
// key order, each as "user/session".
func sessionIndex(t *testing.T, path string) []string {
	t.Helper()
	raw, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer raw.Close()
	var entries []string
	err = raw.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("sessions_by_user")).ForEach(func(k, _ []byte) error {
			entries = append(entries, strings.Replace(string(k), "\x00", "/", 1))
			return nil
		})
	})
	if err != nil {
		t.Fatalf("read session index: %v", err)
	}
	return entries
}
