package fake

import (
	"context"
	"sync"
	"time"

	"github.com/authd/authd/core/credential"
)

// Attempts is a map-backed credential.AttemptStore.
type Attempts struct {
	mu sync.Mutex
	m  map[string]credential.Attempts
}

// NewAttempts returns an empty Attempts.
func NewAttempts() *Attempts { return &Attempts{m: map[string]credential.Attempts{}} }

// Get implements credential.AttemptStore.
func (s *Attempts) Get(_ context.Context, key string) (credential.Attempts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

// Add implements credential.AttemptStore.
func (s *Attempts) Add(_ context.Context, key string, now time.Time, lapsed func(credential.Attempts) bool) (credential.Attempts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = credential.Next(s.m[key], now, lapsed)
	return s.m[key], nil
}

// Reset implements credential.AttemptStore.
func (s *Attempts) Reset(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}
