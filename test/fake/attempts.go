package fake

import (
	"context"
	"sync"

	"github.com/authd/authd/core/throttle"
)

// Attempts is a map-backed throttle.Store.
type Attempts struct {
	mu sync.Mutex
	m  map[string]throttle.Attempts
}

// NewAttempts returns an empty Attempts.
func NewAttempts() *Attempts { return &Attempts{m: map[string]throttle.Attempts{}} }

// Update implements throttle.Store; change runs under the store's lock.
func (s *Attempts) Update(_ context.Context, key string, change func(*throttle.Attempts) error) (*throttle.Attempts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.m[key]
	if err := change(&a); err != nil {
		return nil, err
	}
	s.m[key] = a
	return &a, nil
}
