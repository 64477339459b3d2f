package contract

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
)

// AttemptStore runs the credential.AttemptStore contract against stores made by newStore.
func AttemptStore(t *testing.T, newStore func(t *testing.T) credential.AttemptStore) {
	ctx := context.Background()
	never := func(credential.Attempts) bool { return false }

	t.Run("unknown key is a zero counter", func(t *testing.T) {
		s := newStore(t)
		a, err := s.Get(ctx, "login/account/nobody@example.com")
		if err != nil || a.Count != 0 || !a.First.IsZero() {
			t.Fatalf("Get = %+v, %v", a, err)
		}
	})

	t.Run("add counts and remembers first and last", func(t *testing.T) {
		s := newStore(t)
		for i := range 3 {
			a, err := s.Add(ctx, "k", base.Add(time.Duration(i)*time.Second), never)
			if err != nil || a.Count != i+1 {
				t.Fatalf("Add #%d = %+v, %v", i+1, a, err)
			}
		}
		a, err := s.Get(ctx, "k")
		if err != nil || a.Count != 3 || !a.First.Equal(base) || !a.Last.Equal(base.Add(2*time.Second)) {
			t.Fatalf("Get = %+v, %v", a, err)
		}
	})

	t.Run("a lapsed counter restarts", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Add(ctx, "k", base, never); err != nil {
			t.Fatal(err)
		}
		later := base.Add(time.Hour)
		a, err := s.Add(ctx, "k", later, func(credential.Attempts) bool { return true })
		if err != nil || a.Count != 1 || !a.First.Equal(later) {
			t.Fatalf("Add after lapse = %+v, %v", a, err)
		}
	})

	t.Run("reset forgets only its key", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"a", "b"} {
			if _, err := s.Add(ctx, k, base, never); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Reset(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if err := s.Reset(ctx, "never-seen"); err != nil {
			t.Fatalf("Reset of an unknown key: %v", err)
		}
		if a, _ := s.Get(ctx, "a"); a.Count != 0 {
			t.Errorf("reset key still counts %d", a.Count)
		}
		if b, _ := s.Get(ctx, "b"); b.Count != 1 {
			t.Errorf("other key counts %d, want 1", b.Count)
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
				if _, err := s.Add(ctx, "hot", base, never); err != nil {
					t.Errorf("Add: %v", err)
				}
			}()
		}
		wg.Wait()
		if a, _ := s.Get(ctx, "hot"); a.Count != n {
			t.Fatalf("Count = %d after %d parallel adds", a.Count, n)
		}
	})
}
