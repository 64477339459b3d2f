package contract

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
)

// NewNotice returns a notice with the given id, created at created.
func NewNotice(id string, created time.Time) user.Notice {
	return user.Notice{
		ID: id, Kind: user.NoticeEmailChange, UserID: user.ID(hexID(1)), To: "to@example.com",
		NewEmail: "new@example.com", CreatedAt: created,
	}
}

// Outbox runs the mail.Outbox contract against outboxes made by newOutbox.
func Outbox(t *testing.T, newOutbox func(t *testing.T) mail.Outbox) {
	ctx := context.Background()
	enqueue := func(t *testing.T, o mail.Outbox, ns ...user.Notice) {
		t.Helper()
		for _, n := range ns {
			if err := o.Enqueue(ctx, n); err != nil {
				t.Fatalf("Enqueue %s: %v", n.ID, err)
			}
		}
	}
	claim := func(t *testing.T, o mail.Outbox, now time.Time, lease time.Duration) *mail.Message {
		t.Helper()
		m, err := o.Claim(ctx, now, lease)
		if err != nil {
			t.Fatalf("Claim at %v: %v", now, err)
		}
		return m
	}
	empty := func(t *testing.T, o mail.Outbox, now time.Time) {
		t.Helper()
		if m, err := o.Claim(ctx, now, time.Minute); !errors.Is(err, mail.ErrEmpty) {
			t.Fatalf("Claim at %v: got %+v, %v; want ErrEmpty", now, m, err)
		}
	}

	t.Run("an enqueued notice is claimed as a message due when it was created", func(t *testing.T) {
		o := newOutbox(t)
		n := NewNotice("n1", base)
		enqueue(t, o, n)
		m := claim(t, o, base, time.Minute)
		assertSameMessage(t, m, mail.Message{Notice: n, DueAt: base})
	})

	t.Run("nothing due is ErrEmpty", func(t *testing.T) {
		o := newOutbox(t)
		empty(t, o, base)
		enqueue(t, o, NewNotice("later", base.Add(time.Hour)))
		empty(t, o, base.Add(time.Hour-time.Millisecond))
		if m := claim(t, o, base.Add(time.Hour), time.Minute); m.ID != "later" {
			t.Fatalf("claimed %s, want later", m.ID)
		}
	})

	t.Run("enqueueing a stored id again does nothing", func(t *testing.T) {
		o := newOutbox(t)
		n := NewNotice("once", base)
		enqueue(t, o, n)
		again := n
		again.To, again.CreatedAt = "other@example.com", base.Add(-time.Hour)
		enqueue(t, o, again)
		m := claim(t, o, base, time.Minute)
		assertSameMessage(t, m, mail.Message{Notice: n, DueAt: base})
		enqueue(t, o, again)
		empty(t, o, base.Add(time.Second)) // still leased: the second enqueue did not put it back
		if b, err := o.Backlog(ctx); err != nil || b.Count != 1 {
			t.Fatalf("Backlog = %+v, %v; want one message", b, err)
		}
	})

	t.Run("the message due soonest comes first", func(t *testing.T) {
		o := newOutbox(t)
		enqueue(t, o, NewNotice("c", base.Add(2*time.Second)), NewNotice("a", base), NewNotice("b", base.Add(time.Second)))
		for _, want := range []string{"a", "b", "c"} {
			if m := claim(t, o, base.Add(time.Hour), time.Hour); m.ID != want {
				t.Fatalf("claimed %s, want %s", m.ID, want)
			}
		}
		empty(t, o, base.Add(time.Hour))
	})

	t.Run("a claimed message is the claimant's until its lease ends", func(t *testing.T) {
		o := newOutbox(t)
		enqueue(t, o, NewNotice("leased", base))
		claim(t, o, base, time.Minute)
		empty(t, o, base)
		empty(t, o, base.Add(time.Minute-time.Millisecond))
		if m := claim(t, o, base.Add(time.Minute), time.Minute); m.ID != "leased" {
			t.Fatalf("claimed %s after the lease, want leased", m.ID)
		}
		empty(t, o, base.Add(time.Minute+time.Second))
	})

	t.Run("messages due at the same nanosecond are claimed, retried and sent apart", func(t *testing.T) {
		o := newOutbox(t)
		enqueue(t, o, NewNotice("twin1", base), NewNotice("twin2", base))
		first, second := claim(t, o, base, time.Hour), claim(t, o, base, time.Hour)
		if first.ID == second.ID {
			t.Fatalf("both claims got %s", first.ID)
		}
		empty(t, o, base)
		if err := o.Retry(ctx, first.ID, base, "refused"); err != nil {
			t.Fatalf("Retry: %v", err)
		}
		if m := claim(t, o, base, time.Hour); m.ID != first.ID || m.Attempts != 1 {
			t.Fatalf("claimed %+v, want %s retried once", m, first.ID)
		}
		empty(t, o, base)
		if err := o.Sent(ctx, second.ID); err != nil {
			t.Fatalf("Sent: %v", err)
		}
		if b, err := o.Backlog(ctx); err != nil || b.Count != 1 || !b.Oldest.Equal(base) {
			t.Fatalf("Backlog = %+v, %v; want 1 since %v", b, err, base)
		}
		if err := o.Sent(ctx, first.ID); err != nil {
			t.Fatalf("Sent: %v", err)
		}
		if b, err := o.Backlog(ctx); err != nil || b.Count != 0 || !b.Oldest.IsZero() {
			t.Fatalf("Backlog = %+v, %v; want none", b, err)
		}
	})

	t.Run("retry counts the attempt, keeps why and makes the message due again", func(t *testing.T) {
		o := newOutbox(t)
		n := NewNotice("flaky", base)
		enqueue(t, o, n)
		claim(t, o, base, time.Hour)
		at := base.Add(5 * time.Minute)
		if err := o.Retry(ctx, n.ID, at, "mail server down"); err != nil {
			t.Fatalf("Retry: %v", err)
		}
		empty(t, o, at.Add(-time.Millisecond))
		m := claim(t, o, at, time.Hour)
		assertSameMessage(t, m, mail.Message{Notice: n, Attempts: 1, DueAt: at, LastError: "mail server down"})
		if err := o.Retry(ctx, n.ID, at, "still down"); err != nil {
			t.Fatalf("Retry: %v", err)
		}
		m = claim(t, o, at, time.Hour)
		assertSameMessage(t, m, mail.Message{Notice: n, Attempts: 2, DueAt: at, LastError: "still down"})
	})

	t.Run("retry ends the lease", func(t *testing.T) {
		o := newOutbox(t)
		enqueue(t, o, NewNotice("back", base))
		claim(t, o, base, time.Hour)
		if err := o.Retry(ctx, "back", base, "refused"); err != nil {
			t.Fatalf("Retry: %v", err)
		}
		if m := claim(t, o, base, time.Hour); m.ID != "back" {
			t.Fatalf("claimed %s, want back", m.ID)
		}
	})

	t.Run("sent removes the message, and nothing brings it back", func(t *testing.T) {
		o := newOutbox(t)
		enqueue(t, o, NewNotice("a", base), NewNotice("b", base.Add(time.Second)))
		m := claim(t, o, base.Add(time.Hour), time.Minute)
		if err := o.Sent(ctx, m.ID); err != nil {
			t.Fatalf("Sent: %v", err)
		}
		if err := o.Retry(ctx, m.ID, base, "a late report of a failure"); err != nil {
			t.Fatalf("Retry of a sent message: %v", err)
		}
		if err := o.Sent(ctx, m.ID); err != nil {
			t.Fatalf("Sent again: %v", err)
		}
		if err := o.Sent(ctx, "never-queued"); err != nil {
			t.Fatalf("Sent of an unknown id: %v", err)
		}
		later := base.Add(2 * time.Hour)
		if next := claim(t, o, later, time.Minute); next.ID != "b" {
			t.Fatalf("claimed %s, want b", next.ID)
		}
		empty(t, o, later)
		if b, err := o.Backlog(ctx); err != nil || b.Count != 1 {
			t.Fatalf("Backlog = %+v, %v; want one message", b, err)
		}
	})

	t.Run("backlog counts the messages not yet sent and the oldest's creation", func(t *testing.T) {
		o := newOutbox(t)
		if b, err := o.Backlog(ctx); err != nil || b.Count != 0 || !b.Oldest.IsZero() {
			t.Fatalf("Backlog of an empty outbox = %+v, %v", b, err)
		}
		enqueue(t, o, NewNotice("mid", base.Add(time.Minute)), NewNotice("old", base), NewNotice("new", base.Add(2*time.Minute)))
		claim(t, o, base.Add(time.Hour), time.Hour) // leased messages are still owed
		b, err := o.Backlog(ctx)
		if err != nil || b.Count != 3 || !b.Oldest.Equal(base) {
			t.Fatalf("Backlog = %+v, %v; want 3 since %v", b, err, base)
		}
		if err := o.Sent(ctx, "old"); err != nil {
			t.Fatalf("Sent: %v", err)
		}
		b, err = o.Backlog(ctx)
		if err != nil || b.Count != 2 || !b.Oldest.Equal(base.Add(time.Minute)) {
			t.Fatalf("Backlog = %+v, %v; want 2 since %v", b, err, base.Add(time.Minute))
		}
	})

	t.Run("parallel claimers get each due message once", func(t *testing.T) {
		o := newOutbox(t)
		const messages, claimers = 30, 8
		for i := range messages {
			enqueue(t, o, NewNotice(fmt.Sprintf("m%02d", i), base.Add(time.Duration(i%7)*time.Millisecond)))
		}
		now := base.Add(time.Hour)
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for range claimers {
			wg.Go(func() {
				for {
					m, err := o.Claim(ctx, now, time.Hour)
					if errors.Is(err, mail.ErrEmpty) {
						return
					}
					if err != nil {
						t.Errorf("Claim: %v", err)
						return
					}
					mu.Lock()
					got[m.ID]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(got) != messages {
			t.Errorf("%d of %d messages were claimed", len(got), messages)
		}
		for id, n := range got {
			if n != 1 {
				t.Errorf("message %s was claimed %d times", id, n)
			}
		}
	})
}

func assertSameMessage(t *testing.T, got *mail.Message, want mail.Message) {
	t.Helper()
	g, w := *got, want
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.DueAt.Equal(w.DueAt) {
		t.Errorf("message %s created %v and due %v, want %v and %v", g.ID, g.CreatedAt, g.DueAt, w.CreatedAt, w.DueAt)
	}
	g.CreatedAt, w.CreatedAt, g.DueAt, w.DueAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("message = %+v\nwant      %+v", g, w)
	}
}
