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

// Update implements throttle.Store.
func (s *Attempts) Update(_ context.Context, key string, change func(throttle.Attempts) throttle.Attempts) (throttle.Attempts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = change(s.m[key])
	return s.m[key], nil
}
