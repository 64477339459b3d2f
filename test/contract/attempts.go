package contract

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/core/throttle"
)

// AttemptStore runs the throttle.Store contract against stores made by newStore.
func AttemptStore(t *testing.T, newStore func(t *testing.T) throttle.Store) {
	ctx := context.Background()
	inc := func(at time.Time) func(*throttle.Attempts) error {
		return func(a *throttle.Attempts) error {
			if a.Count == 0 {
				a.First = at
			}
			a.Count++
			a.Last = at
			return nil
		}
	}
	set := func(to throttle.Attempts) func(*throttle.Attempts) error {
		return func(a *throttle.Attempts) error { *a = to; return nil }
	}
	get := func(s throttle.Store, key string) (throttle.Attempts, error) {
		a, err := s.Update(ctx, key, func(*throttle.Attempts) error { return nil })
		if err != nil {
			return throttle.Attempts{}, err
		}
		return *a, nil
	}

	t.Run("unknown key is a zero counter", func(t *testing.T) {
		s := newStore(t)
		a, err := get(s, "login/account/nobody@example.com")
		if err != nil || a.Count != 0 || !a.First.IsZero() {
			t.Fatalf("Get = %+v, %v", a, err)
		}
	})

	t.Run("updates count and remember first and last", func(t *testing.T) {
		s := newStore(t)
		for i := range 3 {
			a, err := s.Update(ctx, "k", inc(base.Add(time.Duration(i)*time.Second)))
			if err != nil || a.Count != i+1 {
				t.Fatalf("Add #%d = %+v, %v", i+1, a, err)
			}
		}
		a, err := get(s, "k")
		if err != nil || a.Count != 3 || !a.First.Equal(base) || !a.Last.Equal(base.Add(2*time.Second)) {
			t.Fatalf("Get = %+v, %v", a, err)
		}
	})

	t.Run("a change may start over", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Update(ctx, "k", inc(base)); err != nil {
			t.Fatal(err)
		}
		later := base.Add(time.Hour)
		a, err := s.Update(ctx, "k", set(throttle.Attempts{Count: 1, First: later, Last: later}))
		if err != nil || a.Count != 1 || !a.First.Equal(later) {
			t.Fatalf("Update = %+v, %v", a, err)
		}
		if got, _ := get(s, "k"); got.Count != 1 || !got.First.Equal(later) {
			t.Fatalf("stored %+v", got)
		}
	})

	t.Run("keys are independent", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"a", "b"} {
			if _, err := s.Update(ctx, k, inc(base)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Update(ctx, "a", set(throttle.Attempts{})); err != nil {
			t.Fatal(err)
		}
		if a, _ := get(s, "a"); a.Count != 0 {
			t.Errorf("cleared key still counts %d", a.Count)
		}
		if b, _ := get(s, "b"); b.Count != 1 {
			t.Errorf("other key counts %d, want 1", b.Count)
		}
	})

	t.Run("every field round-trips", func(t *testing.T) {
		s := newStore(t)
		want := throttle.Attempts{Count: 3, First: base, Last: base.Add(time.Minute), Pending: 2, Reserved: base.Add(2 * time.Minute)}
		if _, err := s.Update(ctx, "k", set(want)); err != nil {
			t.Fatal(err)
		}
		got, err := get(s, "k")
		if err != nil || got.Count != want.Count || got.Pending != want.Pending || !got.First.Equal(want.First) ||
			!got.Last.Equal(want.Last) || !got.Reserved.Equal(want.Reserved) {
			t.Fatalf("stored %+v, read back %+v (%v)", want, got, err)
		}
	})

	t.Run("a change's error stores nothing and comes back as is", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Update(ctx, "k", inc(base)); err != nil {
			t.Fatal(err)
		}
		refused := errors.New("refused")
		if _, err := s.Update(ctx, "k", func(a *throttle.Attempts) error { a.Count = 99; return refused }); !errors.Is(err, refused) {
			t.Fatalf("Update = %v, want the change's error", err)
		}
		if a, _ := get(s, "k"); a.Count != 1 {
			t.Fatalf("a refused change stored Count = %d", a.Count)
		}
	})

	t.Run("parallel adds are all counted", func(t *testing.T) {
		s := newStore(t)
		const n = 20
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Update(ctx, "hot", inc(base)); err != nil {
					t.Errorf("Update: %v", err)
				}
			}()
		}
		wg.Wait()
		if a, _ := get(s, "hot"); a.Count != n {
			t.Fatalf("Count = %d after %d parallel adds", a.Count, n)
		}
	})
}
