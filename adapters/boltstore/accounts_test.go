package boltstore_test

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/adapters/boltstore"

	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
)

func TestAccountsContract(t *testing.T) {
	t.Parallel()
	contract.Accounts(t, func(t *testing.T) contract.AccountStores {
		db := open(t, dbPath(t))
		return contract.AccountStores{
			Stores: contract.Stores{Users: db.Users(), Sessions: db.Sessions(), Outbox: db.Outbox(), Timeline: db.Timeline()},
			Lister: db.Users(), Eraser: db.Users(),
		}
	})
}

// TestFileFromBeforeAccounts: a file written before deletion existed, with user documents that
// have no roles, reset or deletion fields and no deleted_users bucket, opens and takes deletions.
func TestFileFromBeforeAccounts(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	db := open(t, path)
	const id = "0000000000000000000000a1"
	old := `{"id":"` + id + `","email":"old@example.com","password_hash":"h","is_active":true,"is_verified":true,` +
		`"created_at":"2025-01-02T03:04:05Z","first_name":"Old","last_name":"Doc","token_epoch":1}`
	err := boltstore.Raw(db).Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("users")).Put([]byte(id), []byte(old)); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("emails")).Put([]byte("old@example.com"), []byte(id)); err != nil {
			return err
		}
		return tx.DeleteBucket([]byte("deleted_users"))
	})
	if err != nil {
		t.Fatalf("write an old file: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db = open(t, path)
	u, err := db.Users().ByEmail(ctx, "old@example.com")
	if err != nil {
		t.Fatalf("ByEmail of an old document: %v", err)
	}
	if u.Roles != nil || u.ResetRequired || u.DeletedAt != nil || !u.IsActive {
		t.Errorf("old document read as %+v, want no roles, no reset, live", u)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := db.Users().Update(ctx, u.ID, contract.Deletion(at)); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if ids, err := db.Users().Deleted(ctx, at.Add(time.Second), 10); err != nil || len(ids) != 1 || ids[0] != user.ID(id) {
		t.Fatalf("Deleted = %v, %v; want [%s]", ids, err, id)
	}
	if err := db.Users().Erase(ctx, u.ID); err != nil {
		t.Fatalf("Erase: %v", err)
	}
}
