package fake

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/authd/authd/core/user"
)

// List implements user.Lister: it walks the emails in order from the later of q.After and
// q.EmailPrefix, as a store's email index would, and stops at the first email past the prefix.
func (s *Users) List(_ context.Context, q user.Query) ([]*user.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	emails := make([]string, 0, len(s.byEmail))
	for e := range s.byEmail {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	i, _ := slices.BinarySearch(emails, max(q.After, q.EmailPrefix))
	var out []*user.User
	for _, e := range emails[i:] {
		if len(out) >= q.Limit || !strings.HasPrefix(e, q.EmailPrefix) {
			break
		}
		u := s.byID[s.byEmail[e]]
		if e <= q.After || u.DeletedAt != nil || !q.Matches(&u) {
			continue
		}
		c := clone(u)
		out = append(out, &c)
	}
	return out, nil
}

// Erase implements user.Eraser: under the store's lock, it removes the user's sessions from the
// last Sessions opened over these users, its messages from Mail and the user itself.
func (s *Users) Erase(_ context.Context, id user.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.byID[id]
	if !ok {
		return nil
	}
	if u.DeletedAt == nil {
		return user.ErrNotDeleted
	}
	if s.sessions != nil {
		s.sessions.dropUser(string(id))
	}
	s.Mail.dropUser(id)
	if s.byEmail[u.Email] == id {
		delete(s.byEmail, u.Email)
	}
	delete(s.byID, id)
	return nil
}

// Deleted implements user.Eraser, in id order.
func (s *Users) Deleted(_ context.Context, before time.Time, limit int) ([]user.ID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []user.ID
	for id, u := range s.byID {
		if u.DeletedAt != nil && u.DeletedAt.Before(before) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids[:min(len(ids), max(limit, 0))], nil
}

func (s *Sessions) dropUser(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sess := range s.byID {
		if sess.UserID == userID {
			delete(s.byID, id)
		}
	}
}

func (o *Outbox) dropUser(id user.ID) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for k, q := range o.byID {
		if q.UserID == id {
			delete(o.byID, k)
		}
	}
}
