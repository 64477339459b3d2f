package boltstore_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/adapters/boltstore"
	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/test/contract"
)

func TestTimelineContract(t *testing.T) {
	t.Parallel()
	contract.Timeline(t, func(t *testing.T) (audit.Store, contract.Tamper) {
		db := open(t, dbPath(t))
		return db.Timeline(), func(t *testing.T, userID string, seq int64, detail string) { tamper(t, db, userID, seq, detail) }
	})
}

func TestEventsContract(t *testing.T) {
	t.Parallel()
	contract.Events(t, func(t *testing.T) contract.Stores {
		db := open(t, dbPath(t))
		return contract.Stores{Users: db.Users(), Sessions: db.Sessions(), Outbox: db.Outbox(), Timeline: db.Timeline()}
	})
}

// tamper rewrites the detail of a stored event in the events bucket, as an editor of the file would.
func tamper(t *testing.T, db *boltstore.DB, userID string, seq int64, detail string) {
	t.Helper()
	key := binary.BigEndian.AppendUint64(append([]byte(userID), 0), uint64(seq))
	err := boltstore.Raw(db).Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("events"))
		var doc map[string]any
		if err := json.Unmarshal(b.Get(key), &doc); err != nil {
			return err
		}
		doc["detail"] = detail
		raw, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		return b.Put(key, raw)
	})
	if err != nil {
		t.Fatalf("tamper with event %d of %s: %v", seq, userID, err)
	}
}

// TestTimelineSurvivesReopen: events and checkpoints are in the file, and appends after a reopen
// go on from them.
func TestTimelineSurvivesReopen(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	db := open(t, path)
	uid := fmt.Sprintf("%024x", 1)
	var kept []audit.Event
	for i := range 3 {
		e := contract.NewEvent(fmt.Sprintf("e%d", i), uid, audit.LoginSucceeded, time.Date(2026, 1, 1, i, 0, 0, 0, time.UTC))
		got, err := db.Timeline().Append(ctx, e)
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		kept = append(kept, got)
	}
	if n, err := db.Timeline().Prune(ctx, kept[1].At); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want the first event", n, err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db = open(t, path)
	from, events, err := db.Timeline().Chain(ctx, uid)
	if err != nil {
		t.Fatalf("Chain: %v", err)
	}
	if from != (audit.Checkpoint{Seq: 1, Hash: kept[0].Hash()}) || len(events) != 2 || events[1].Hash() != kept[2].Hash() {
		t.Fatalf("after reopen: checkpoint %+v and %+v, want the checkpoint at event 1 and events 2 and 3", from, events)
	}
	next, err := db.Timeline().Append(ctx, contract.NewEvent("e3", uid, audit.LoginSucceeded, kept[2].At))
	if err != nil || next.Seq != 4 || next.Prev != kept[2].Hash() {
		t.Fatalf("Append after reopen = %+v, %v; want event 4 linked to event 3", next, err)
	}
}

// TestCorruptEventIsAnError: an event that does not parse fails every read that meets it,
// rather than being skipped, which would look like a gap in the chain or none at all.
func TestCorruptEventIsAnError(t *testing.T) {
	t.Parallel()
	db := open(t, dbPath(t))
	uid := fmt.Sprintf("%024x", 1)
	e, err := db.Timeline().Append(ctx, contract.NewEvent("e0", uid, audit.LoginSucceeded, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	key := binary.BigEndian.AppendUint64(append([]byte(uid), 0), uint64(e.Seq))
	if err := boltstore.Raw(db).Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("events")).Put(key, []byte("\x00{garbage")) }); err != nil {
		t.Fatalf("write garbage: %v", err)
	}
	tl := db.Timeline()
	for op, check := range map[string]func() error{
		"Append": func() error {
			_, err := tl.Append(ctx, contract.NewEvent("e1", uid, audit.LoginSucceeded, e.At))
			return err
		},
		"Append again": func() error { _, err := tl.Append(ctx, e); return err },
		"Page":         func() error { _, err := tl.Page(ctx, uid, 0, 10); return err },
		"Chain":        func() error { _, _, err := tl.Chain(ctx, uid); return err },
		"Prune":        func() error { _, err := tl.Prune(ctx, e.At.Add(time.Hour)); return err },
	} {
		if err := check(); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("%s on a corrupt event: got %v, want a corruption error", op, err)
		}
	}
}
