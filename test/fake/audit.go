package fake

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/authd/authd/core/audit"
)

var _ audit.Store = (*Timeline)(nil)

// Timeline is a map-backed audit.Store.
type Timeline struct {
	mu     sync.Mutex
	events map[string][]audit.Event // by user, oldest first
	from   map[string]audit.Checkpoint
	ids    map[string]audit.Event
}

// NewTimeline returns an empty Timeline.
func NewTimeline() *Timeline {
	return &Timeline{events: map[string][]audit.Event{}, from: map[string]audit.Checkpoint{}, ids: map[string]audit.Event{}}
}

// Append implements audit.Store.
func (t *Timeline) Append(_ context.Context, e audit.Event) (audit.Event, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if stored, ok := t.ids[e.ID]; ok {
		return stored, nil
	}
	var head *audit.Event
	if es := t.events[e.UserID]; len(es) > 0 {
		head = &es[len(es)-1]
	}
	e = audit.Link(head, t.from[e.UserID], e)
	t.events[e.UserID] = append(t.events[e.UserID], e)
	t.ids[e.ID] = e
	return e, nil
}

// Page implements audit.Store.
func (t *Timeline) Page(_ context.Context, userID string, before int64, limit int) ([]audit.Event, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []audit.Event
	es := t.events[userID]
	for i := len(es) - 1; i >= 0 && len(out) < limit; i-- {
		if before == 0 || es[i].Seq < before {
			out = append(out, es[i])
		}
	}
	return out, nil
}

// Chain implements audit.Store.
func (t *Timeline) Chain(_ context.Context, userID string) (audit.Checkpoint, []audit.Event, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.from[userID], append([]audit.Event(nil), t.events[userID]...), nil
}

// Users implements audit.Store.
func (t *Timeline) Users(_ context.Context, fn func(string) error) error {
	t.mu.Lock()
	ids := make([]string, 0, len(t.events))
	for id := range t.events {
		ids = append(ids, id)
	}
	t.mu.Unlock()
	sort.Strings(ids)
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// Prune implements audit.Store.
func (t *Timeline) Prune(_ context.Context, cutoff time.Time) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	deleted := 0
	for id, es := range t.events {
		n := 0
		for n < len(es) && es[n].At.Before(cutoff) {
			n++
		}
		if n == 0 {
			continue
		}
		t.from[id] = audit.Checkpoint{Seq: es[n-1].Seq, Hash: es[n-1].Hash()}
		t.events[id] = append([]audit.Event(nil), es[n:]...)
		deleted += n
	}
	return deleted, nil
}

// Tamper replaces the stored event of userID with Seq seq by edit's result, as an attacker
// with write access to the store would.
func (t *Timeline) Tamper(userID string, seq int64, edit func(*audit.Event)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.events[userID] {
		if t.events[userID][i].Seq == seq {
			edit(&t.events[userID][i])
		}
	}
}
