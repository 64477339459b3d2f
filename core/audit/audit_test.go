package audit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/test/fake"
)

var ctx = context.Background()

func chain(t *testing.T, n int) *fake.Timeline {
	t.Helper()
	tl := fake.NewTimeline()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		e := audit.New(fmt.Sprintf("e%d", i), "u1", audit.LoginSucceeded, at.Add(time.Duration(i)*time.Hour))
		if _, err := tl.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	return tl
}

func TestAnUntouchedChainVerifies(t *testing.T) {
	t.Parallel()
	r, err := audit.Verify(ctx, chain(t, 5), "u1")
	if err != nil || !r.Valid || r.Events != 5 || len(r.Head) != 64 {
		t.Fatalf("report = %+v, %v", r, err)
	}
	if r, _ := audit.Verify(ctx, chain(t, 0), "u1"); !r.Valid || r.Events != 0 {
		t.Fatalf("an empty chain: %+v", r)
	}
}

func TestEveryKindOfTamperingIsFound(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		edit func(*audit.Event)
		at   int64 // the Seq verification must report
	}{
		"a changed detail":    {func(e *audit.Event) { e.Detail = "nothing happened" }, 3},
		"a changed kind":      {func(e *audit.Event) { e.Kind = audit.LoginFailed }, 3},
		"a moved time":        {func(e *audit.Event) { e.At = e.At.Add(time.Millisecond) }, 3},
		"a rewritten link":    {func(e *audit.Event) { e.Prev = "00" }, 2},
		"a renumbered event":  {func(e *audit.Event) { e.Seq = 7 }, 7},
		"another user's name": {func(e *audit.Event) { e.UserID = "u2" }, 2},
	} {
		t.Run(name, func(t *testing.T) {
			tl := chain(t, 4)
			tl.Tamper("u1", 2, tc.edit)
			r, err := audit.Verify(ctx, tl, "u1")
			if err != nil {
				t.Fatal(err)
			}
			if r.Valid || r.Broken == nil || r.Broken.Seq != tc.at {
				t.Fatalf("report = %+v (broken %+v), want a break at %d", r, r.Broken, tc.at)
			}
		})
	}
}

func TestAPrunedChainStillVerifiesFromItsCheckpoint(t *testing.T) {
	t.Parallel()
	tl := chain(t, 6)
	n, err := tl.Prune(ctx, time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC))
	if err != nil || n != 3 {
		t.Fatalf("Prune = %d, %v; want 3 deleted", n, err)
	}
	r, err := audit.Verify(ctx, tl, "u1")
	if err != nil || !r.Valid || r.Events != 3 {
		t.Fatalf("after pruning: %+v, %v", r, err)
	}
	next, err := tl.Append(ctx, audit.New("late", "u1", audit.PasswordChanged, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)))
	if err != nil || next.Seq != 7 {
		t.Fatalf("the next event after a prune: %+v, %v", next, err)
	}
	tl.Tamper("u1", 4, func(e *audit.Event) { e.Detail = "x" })
	if r, _ := audit.Verify(ctx, tl, "u1"); r.Valid {
		t.Fatal("an edit after the checkpoint went unnoticed")
	}
}

func TestTimesAreKeptToTheMillisecondSoAStoreCanRoundTripThem(t *testing.T) {
	t.Parallel()
	e := audit.New("e", "u", audit.Registered, time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.FixedZone("x", 3600)))
	if e.At.Nanosecond() != 123000000 || e.At.Location() != time.UTC {
		t.Fatalf("At = %v", e.At)
	}
}
