package fake

import (
	"context"
	"sync"

	"github.com/authd/authd/core/credential"
)

// Attempts is a map-backed credential.AttemptStore.
type Attempts struct {
	mu sync.Mutex
	m  map[string]credential.Attempts
}

// NewAttempts returns an empty Attempts.
func NewAttempts() *Attempts { return &Attempts{m: map[string]credential.Attempts{}} }

// Update implements credential.AttemptStore.
func (s *Attempts) Update(_ context.Context, key string, change func(credential.Attempts) credential.Attempts) (credential.Attempts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = change(s.m[key])
	return s.m[key], nil
}
