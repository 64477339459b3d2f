package boltstore_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/adapters/boltstore"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/test/contract"
)

// queuedAt is when the outbox tests and benchmarks queue their messages.
var queuedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// TestOutboxOfAnOlderFileIsIndexedOnOpen opens a file whose mail bucket has no index, as every
// version before the index wrote it (the documents are laid out as they were), and expects its
// messages claimed in order, leases and retries kept, and counted once however often it reopens.
func TestOutboxOfAnOlderFileIsIndexedOnOpen(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	db := open(t, path)
	outbox := db.Outbox()
	for i, id := range []string{"leased", "retried", "due", "later"} {
		if err := outbox.Enqueue(ctx, contract.NewNotice(id, queuedAt.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatalf("Enqueue %s: %v", id, err)
		}
	}
	if m, err := outbox.Claim(ctx, queuedAt, time.Hour); err != nil || m.ID != "leased" {
		t.Fatalf("Claim = %+v, %v; want leased", m, err)
	}
	if m, err := outbox.Claim(ctx, queuedAt.Add(time.Second), time.Hour); err != nil || m.ID != "retried" {
		t.Fatalf("Claim = %+v, %v; want retried", m, err)
	}
	if err := outbox.Retry(ctx, "retried", queuedAt.Add(10*time.Minute), "refused"); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	dropMailIndex(t, path)

	db = open(t, path)
	outbox = db.Outbox()
	assertBacklog(t, outbox, 4, queuedAt)
	for _, c := range []struct {
		at   time.Duration
		want string
	}{{2 * time.Second, "due"}, {3 * time.Second, "later"}, {10 * time.Minute, "retried"}, {time.Hour, "leased"}} {
		now := queuedAt.Add(c.at)
		m, err := outbox.Claim(ctx, now, 24*time.Hour)
		if err != nil || m.ID != c.want {
			t.Fatalf("Claim at %v = %+v, %v; want %s", now, m, err, c.want)
		}
		if m.ID == "retried" && (m.Attempts != 1 || m.LastError != "refused") {
			t.Errorf("retried message = %+v, want its attempt and why kept", m)
		}
		if m, err := outbox.Claim(ctx, now, time.Hour); !errors.Is(err, mail.ErrEmpty) {
			t.Fatalf("second Claim at %v = %+v, %v; want ErrEmpty", now, m, err)
		}
	}

	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	outbox = open(t, path).Outbox()
	assertBacklog(t, outbox, 4, queuedAt)
	for _, id := range []string{"leased", "retried", "due", "later"} {
		if err := outbox.Sent(ctx, id); err != nil {
			t.Fatalf("Sent %s: %v", id, err)
		}
	}
	assertBacklog(t, outbox, 0, time.Time{})
}

// dropMailIndex deletes the mail index from the file at path, going behind the store's back.
func dropMailIndex(t *testing.T, path string) {
	t.Helper()
	raw, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer raw.Close()
	if err := raw.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("mail_index")) }); err != nil {
		t.Fatalf("drop the mail index: %v", err)
	}
}

func assertBacklog(t *testing.T, o mail.Outbox, count int, oldest time.Time) {
	t.Helper()
	b, err := o.Backlog(ctx)
	if err != nil || b.Count != count || !b.Oldest.Equal(oldest) {
		t.Fatalf("Backlog = %+v, %v; want %d since %v", b, err, count, oldest)
	}
}

// BenchmarkOutboxClaim is a courier draining a backlog: one claim, with queued messages waiting.
func BenchmarkOutboxClaim(b *testing.B) {
	for _, queued := range []int{100, 20_000} {
		b.Run(fmt.Sprintf("queued=%d", queued), func(b *testing.B) {
			outbox := benchOutbox(b, queued)
			// Each lease ends as the queue comes round again, so every claim finds a message due
			// and the outbox holds queued messages throughout.
			const step = time.Microsecond
			lease := time.Duration(queued) * step
			now := queuedAt
			for b.Loop() {
				now = now.Add(step)
				if _, err := outbox.Claim(ctx, now, lease); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchOutbox opens an outbox holding n messages due at queuedAt, enqueued concurrently so that
// their writes share transactions.
func benchOutbox(b *testing.B, n int) *boltstore.Outbox {
	b.Helper()
	db, err := boltstore.Open(dbPathB(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	outbox := db.Outbox()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 500)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := outbox.Enqueue(ctx, contract.NewNotice(fmt.Sprintf("m%06d", i), queuedAt)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return outbox
}
