package contract

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/authd/authd/core/audit"
)

// NewEvent returns an event of kind for userID at at, not yet linked, with every field a store
// keeps filled in.
func NewEvent(id, userID string, kind audit.Kind, at time.Time) audit.Event {
	e := audit.New(id, userID, kind, at)
	e.SessionID, e.IP, e.Detail = "0123456789abcdef01234567", "192.0.2.0/24", "user"
	return e
}

// Tamper sets the Detail of the stored event of userID with Seq seq to detail behind the store's
// back, as someone with write access to its database could.
type Tamper func(t *testing.T, userID string, seq int64, detail string)

// Timeline runs the audit.Store contract against stores made by newTimeline: a fresh, empty
// store and a way to tamper with what it stores.
func Timeline(t *testing.T, newTimeline func(t *testing.T) (audit.Store, Tamper)) {
	ctx := context.Background()
	newStore := func(t *testing.T) audit.Store {
		s, _ := newTimeline(t)
		return s
	}
	alice, bob, carol := hexID(1), hexID(2), hexID(3)

	t.Run("append links and numbers each user's events, and the chain holds them oldest first", func(t *testing.T) {
		s := newStore(t)
		var appended, bobs []audit.Event
		for i := range 3 {
			appended = append(appended, mustAppend(t, s, NewEvent(fmt.Sprintf("a%d", i), alice, audit.LoginSucceeded, minute(i))))
			bobs = append(bobs, mustAppend(t, s, NewEvent(fmt.Sprintf("b%d", i), bob, audit.LoginFailed, minute(i))))
		}
		for i, e := range appended {
			want := NewEvent(fmt.Sprintf("a%d", i), alice, audit.LoginSucceeded, minute(i))
			want.Seq = int64(i + 1)
			if i > 0 {
				want.Prev = appended[i-1].Hash()
			}
			assertSameEvent(t, e, want)
		}
		from, chain := mustChain(t, s, alice)
		if from != (audit.Checkpoint{}) {
			t.Errorf("checkpoint of a chain nothing was pruned from = %+v, want the zero one", from)
		}
		assertEvents(t, chain, appended...)
		assertValid(t, s, alice, 3, appended[2].Hash())
		assertValid(t, s, bob, 3, bobs[2].Hash())
	})

	t.Run("an event appended twice is stored once", func(t *testing.T) {
		s := newStore(t)
		e := NewEvent("once", alice, audit.PasswordChanged, minute(0))
		first := mustAppend(t, s, e)
		second := mustAppend(t, s, NewEvent("next", alice, audit.SessionRevoked, minute(1)))
		e.Detail = "another try"
		assertSameEvent(t, mustAppend(t, s, e), first)
		_, chain := mustChain(t, s, alice)
		assertEvents(t, chain, first, second)
		assertValid(t, s, alice, 2, second.Hash())
	})

	t.Run("parallel appends for one user never fork", func(t *testing.T) {
		s := newStore(t)
		const n = 16
		seqs := make([]int64, n)
		wins, _ := Race(t, n, nil, func(i int) error {
			e, err := s.Append(ctx, NewEvent(fmt.Sprintf("p%d", i), alice, audit.LoginSucceeded, minute(i)))
			seqs[i] = e.Seq
			return err
		})
		if wins != n {
			t.Fatalf("%d of %d appends succeeded", wins, n)
		}
		sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
		_, chain := mustChain(t, s, alice)
		for i := range n {
			if seqs[i] != int64(i+1) {
				t.Fatalf("appends were given Seqs %v, want 1 to %d once each", seqs, n)
			}
		}
		if len(chain) != n {
			t.Fatalf("the chain holds %d events, want %d", len(chain), n)
		}
		assertValid(t, s, alice, n, chain[n-1].Hash())
	})

	t.Run("parallel appends of one event store it once", func(t *testing.T) {
		s := newStore(t)
		const n = 8
		got := make([]audit.Event, n)
		Race(t, n, nil, func(i int) error {
			var err error
			got[i], err = s.Append(ctx, NewEvent("same", alice, audit.LoginSucceeded, minute(0)))
			return err
		})
		_, chain := mustChain(t, s, alice)
		if len(chain) != 1 {
			t.Fatalf("the chain holds %d events, want the one", len(chain))
		}
		for i := range got {
			assertSameEvent(t, got[i], chain[0])
		}
	})

	t.Run("a page holds at most limit events below before, newest first", func(t *testing.T) {
		s := newStore(t)
		var all []audit.Event
		for i := range 7 {
			all = append(all, mustAppend(t, s, NewEvent(fmt.Sprintf("a%d", i), alice, audit.LoginSucceeded, minute(i))))
			if i < 2 {
				mustAppend(t, s, NewEvent(fmt.Sprintf("b%d", i), bob, audit.LoginSucceeded, minute(i)))
			}
		}
		for _, tc := range []struct {
			before int64
			limit  int
			want   []int // Seqs
		}{
			{0, 3, []int{7, 6, 5}},
			{5, 3, []int{4, 3, 2}},
			{2, 3, []int{1}},
			{1, 3, nil},
			{0, 100, []int{7, 6, 5, 4, 3, 2, 1}},
			{100, 2, []int{7, 6}},
			{0, 0, nil},
		} {
			page, err := s.Page(ctx, alice, tc.before, tc.limit)
			if err != nil {
				t.Fatalf("Page(%d, %d): %v", tc.before, tc.limit, err)
			}
			var want []audit.Event
			for _, seq := range tc.want {
				want = append(want, all[seq-1])
			}
			assertEvents(t, page, want...)
		}
		if page, err := s.Page(ctx, carol, 0, 10); err != nil || len(page) != 0 {
			t.Errorf("Page of a user without events = %+v, %v; want none", page, err)
		}
	})

	t.Run("users lists every user with events or a checkpoint once", func(t *testing.T) {
		s := newStore(t)
		if got := users(t, s); len(got) != 0 {
			t.Fatalf("Users of an empty store = %v", got)
		}
		for i := range 3 {
			mustAppend(t, s, NewEvent(fmt.Sprintf("a%d", i), alice, audit.LoginSucceeded, minute(60+i)))
			mustAppend(t, s, NewEvent(fmt.Sprintf("c%d", i), carol, audit.LoginSucceeded, minute(i)))
		}
		mustAppend(t, s, NewEvent("b", bob, audit.LoginSucceeded, minute(60)))
		if _, err := s.Prune(ctx, minute(30)); err != nil {
			t.Fatalf("Prune: %v", err)
		}
		got := users(t, s)
		sort.Strings(got)
		if fmt.Sprint(got) != fmt.Sprint([]string{alice, bob, carol}) {
			t.Errorf("Users = %v, want %s, %s and %s (whose events were all pruned) once each", got, alice, bob, carol)
		}
		stop := errors.New("stop")
		calls := 0
		if err := s.Users(ctx, func(string) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
			t.Errorf("Users with a callback that fails = %v after %d calls, want its error after one", err, calls)
		}
	})

	t.Run("prune moves the checkpoint to the last event it deletes, and appends go on from it", func(t *testing.T) {
		s := newStore(t)
		var a []audit.Event
		for i := range 5 {
			a = append(a, mustAppend(t, s, NewEvent(fmt.Sprintf("a%d", i), alice, audit.LoginSucceeded, minute(60*i))))
		}
		b := []audit.Event{
			mustAppend(t, s, NewEvent("b0", bob, audit.LoginSucceeded, minute(0))),
			mustAppend(t, s, NewEvent("b1", bob, audit.LoginSucceeded, minute(600))),
		}
		cutoff := minute(150)
		if n, err := s.Prune(ctx, cutoff); err != nil || n != 4 {
			t.Fatalf("Prune = %d, %v; want alice's first 3 and bob's first", n, err)
		}
		assertChain(t, s, alice, audit.Checkpoint{Seq: 3, Hash: a[2].Hash()}, a[3:]...)
		assertChain(t, s, bob, audit.Checkpoint{Seq: 1, Hash: b[0].Hash()}, b[1])
		assertValid(t, s, alice, 2, a[4].Hash())
		assertValid(t, s, bob, 1, b[1].Hash())
		for _, again := range []time.Time{cutoff, minute(0)} {
			if n, err := s.Prune(ctx, again); err != nil || n != 0 {
				t.Errorf("Prune(%v) after pruning to %v = %d, %v; want nothing", again, cutoff, n, err)
			}
		}
		assertChain(t, s, alice, audit.Checkpoint{Seq: 3, Hash: a[2].Hash()}, a[3:]...)

		a = append(a, mustAppend(t, s, NewEvent("a5", alice, audit.PasswordChanged, minute(300))))
		if a[5].Seq != 6 || a[5].Prev != a[4].Hash() {
			t.Errorf("an append after Prune = %+v, want Seq 6 linked to the last event", a[5])
		}
		assertValid(t, s, alice, 3, a[5].Hash())

		if n, err := s.Prune(ctx, minute(100_000)); err != nil || n != 4 {
			t.Fatalf("Prune of everything = %d, %v; want alice's 3 and bob's 1", n, err)
		}
		assertChain(t, s, alice, audit.Checkpoint{Seq: 6, Hash: a[5].Hash()})
		assertValid(t, s, alice, 0, a[5].Hash())
		next := mustAppend(t, s, NewEvent("a6", alice, audit.LoginSucceeded, minute(100_001)))
		if next.Seq != 7 || next.Prev != a[5].Hash() {
			t.Errorf("an append after everything was pruned = %+v, want Seq 7 linked to the checkpoint", next)
		}
		assertValid(t, s, alice, 1, next.Hash())
		if page, err := s.Page(ctx, alice, 0, 10); err != nil || len(page) != 1 || page[0].ID != "a6" {
			t.Errorf("Page after Prune = %+v, %v; want only the event appended since", page, err)
		}
	})

	t.Run("an event edited in storage breaks the chain at the event after it", func(t *testing.T) {
		s, tamper := newTimeline(t)
		var a []audit.Event
		for i := range 5 {
			a = append(a, mustAppend(t, s, NewEvent(fmt.Sprintf("a%d", i), alice, audit.LoginSucceeded, minute(i))))
		}
		tamper(t, alice, 3, "an edit")
		_, chain := mustChain(t, s, alice)
		if len(chain) != 5 || chain[2].Detail != "an edit" {
			t.Fatalf("the chain after tampering = %+v, want the edit in its third event", chain)
		}
		r, err := audit.Verify(ctx, s, alice)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if r.Valid || r.Broken == nil || r.Broken.Seq != 4 || r.Broken.ID != a[3].ID || r.Events != 3 {
			t.Errorf("Verify after an edit of event 3 = %+v (broken at %+v), want a break at event 4 after 3 checked", r, r.Broken)
		}
	})
}

// minute is i minutes after the contracts' base time, to the millisecond as events are.
func minute(i int) time.Time {
	return base.Add(time.Duration(i) * time.Minute).Truncate(time.Millisecond)
}

func mustAppend(t *testing.T, s audit.Store, e audit.Event) audit.Event {
	t.Helper()
	got, err := s.Append(context.Background(), e)
	if err != nil {
		t.Fatalf("Append %s: %v", e.ID, err)
	}
	return got
}

func mustChain(t *testing.T, s audit.Store, userID string) (audit.Checkpoint, []audit.Event) {
	t.Helper()
	from, events, err := s.Chain(context.Background(), userID)
	if err != nil {
		t.Fatalf("Chain: %v", err)
	}
	return from, events
}

func users(t *testing.T, s audit.Store) []string {
	t.Helper()
	var ids []string
	if err := s.Users(context.Background(), func(id string) error { ids = append(ids, id); return nil }); err != nil {
		t.Fatalf("Users: %v", err)
	}
	return ids
}

// assertChain checks that userID's chain starts from from and holds exactly want.
func assertChain(t *testing.T, s audit.Store, userID string, from audit.Checkpoint, want ...audit.Event) {
	t.Helper()
	got, events := mustChain(t, s, userID)
	if got != from {
		t.Errorf("checkpoint of %s = %+v, want %+v", userID, got, from)
	}
	assertEvents(t, events, want...)
}

// assertValid checks that userID's chain verifies, with n events after its checkpoint and head
// the hash of the last.
func assertValid(t *testing.T, s audit.Store, userID string, n int, head string) {
	t.Helper()
	r, err := audit.Verify(context.Background(), s, userID)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !r.Valid || r.Events != n || r.Head != head {
		t.Errorf("Verify(%s) = %+v (broken at %+v), want valid with %d events and head %s", userID, r, r.Broken, n, head)
	}
}

func assertEvents(t *testing.T, got []audit.Event, want ...audit.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d events %+v, want %d %+v", len(got), got, len(want), want)
		return
	}
	for i := range got {
		assertSameEvent(t, got[i], want[i])
	}
}

func assertSameEvent(t *testing.T, got, want audit.Event) {
	t.Helper()
	if !got.At.Equal(want.At) {
		t.Errorf("event %s At = %v, want %v", want.ID, got.At, want.At)
	}
	got.At, want.At = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("event = %+v\nwant    %+v", got, want)
	}
}
