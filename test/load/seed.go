package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// The passwords of seeded users. Every seeded user starts with Password; change-password workers
// alternate between the two.
const (
	Password      = "vivid-Harbor-quartz-71"
	OtherPassword = "Lantern-orbit-Maple-38"
)

// sessionLifetime is how long seeded sessions last; far longer than any run.
const sessionLifetime = 7 * 24 * time.Hour

// PopulationID is the id of the n-th population user. Ids are dense and ascending, so seeding
// appends to the store's indexes instead of scattering writes.
func PopulationID(n int) string { return fmt.Sprintf("b%023x", n) }

// PopulationEmail is the email of the n-th population user, ascending with n like PopulationID.
func PopulationEmail(n int) string { return fmt.Sprintf("user%09d@example.com", n) }

// AbsentEmail is a well-formed address of the shape and length of PopulationEmail(n) that no seeded
// or registered user has.
func AbsentEmail(n int) string { return fmt.Sprintf("none%09d@example.com", n) }

// Seeder writes users and sessions straight through the store ports, many at once. It never hashes:
// every user it writes shares Hash, one precomputed hash of Password, so a million users take as long
// as the store needs to write them, not a million argon2 runs.
type Seeder struct {
	Users    user.Store
	Sessions credential.SessionStore
	// Hash is the PHC hash of Password at the service's parameters.
	Hash string
	// Writers is how many writes are in flight at once; bbolt coalesces concurrent writes into one
	// transaction, so this is also roughly its batch size.
	Writers int
}

// Population writes population users from (inclusive) to to (exclusive).
func (s *Seeder) Population(ctx context.Context, from, to int) error {
	now := time.Now()
	return s.parallel(ctx, to-from, func(i int) error {
		n := from + i
		u := user.New(user.ID(PopulationID(n)), PopulationEmail(n), s.Hash, user.Profile{FirstName: "Pop", LastName: fmt.Sprintf("User%d", n)}, now)
		if err := s.Users.Insert(ctx, u); err != nil {
			return fmt.Errorf("seed user %d: %w", n, err)
		}
		return nil
	})
}

// Account is a seeded user with one live session, whose tokens Access and Refresh mint.
type Account struct {
	UserID    string
	Email     string
	SessionID string
	RefreshID string
}

// Access mints an access token for the account's session.
func (a Account) Access(codec credential.TokenCodec, ttl time.Duration) (string, error) {
	now := time.Now()
	return codec.Sign(credential.Claims{Kind: credential.Access, ID: newID(), Subject: a.UserID, SessionID: a.SessionID, IssuedAt: now, ExpiresAt: now.Add(ttl)})
}

// Refresh mints the one refresh token the account's session accepts next.
func (a Account) Refresh(codec credential.TokenCodec) (string, error) {
	now := time.Now()
	return codec.Sign(credential.Claims{Kind: credential.Refresh, ID: a.RefreshID, Subject: a.UserID, SessionID: a.SessionID, IssuedAt: now, ExpiresAt: now.Add(sessionLifetime)})
}

// Fixture is what one round of steps needs besides the population: for each worker an account of its
// own, one whose refresh tokens it chains, one whose password it changes and one with a history of
// sessions and events that it lists, plus one-use sessions for logout and one-use verification tokens.
type Fixture struct {
	// Round keeps this round's registrations and accounts apart from earlier rounds' in the same store.
	Round string
	// Population is how many population users exist: PopulationID(0..Population-1), all with Password.
	Population int
	Workers    []Account
	Refreshers []Account
	Changers   []Account
	// Listers have ListerSessions live sessions and ListerEvents events each (see history); the
	// account's session is the newest. Workers' own accounts would not do: the logout pool's
	// sessions are theirs, thousands each.
	Listers []Account
	Logouts []Account
	// Verifications are verification tokens, each of an unverified account of its own, as the
	// service mails them.
	Verifications []string
}

// NewFixture seeds the accounts of a round with workers workers, logouts one-use sessions and
// verifications one-use verification tokens over a population of population users.
func (s *Seeder) NewFixture(ctx context.Context, round string, population, workers, logouts, verifications int) (*Fixture, error) {
	f := &Fixture{Round: round, Population: population}
	now := time.Now()
	var users []*user.User
	newAccounts := func(kind string) []Account {
		accts := make([]Account, workers)
		for i := range accts {
			u := user.New(user.ID(newID()), fmt.Sprintf("%s-%s-%d@example.com", kind, round, i), s.Hash,
				user.Profile{FirstName: "Bench", LastName: fmt.Sprintf("%s%d", kind, i)}, now)
			users = append(users, u)
			accts[i] = Account{UserID: string(u.ID), Email: u.Email, SessionID: newID(), RefreshID: newID()}
		}
		return accts
	}
	f.Workers, f.Refreshers, f.Changers = newAccounts("worker"), newAccounts("refresher"), newAccounts("changer")
	f.Listers = newAccounts("lister")
	var listed []*credential.Session
	// The listers' users are the last newAccounts made.
	for i, u := range users[len(users)-workers:] {
		kept := history(u, now)
		listed = append(listed, kept...)
		f.Listers[i].SessionID, f.Listers[i].RefreshID = kept[len(kept)-1].ID, kept[len(kept)-1].RefreshID
	}
	f.Logouts = make([]Account, logouts)
	for i := range f.Logouts {
		w := f.Workers[i%workers]
		f.Logouts[i] = Account{UserID: w.UserID, Email: w.Email, SessionID: newID(), RefreshID: newID()}
	}
	f.Verifications = make([]string, verifications)
	for i := range f.Verifications {
		u := user.New(user.ID(newID()), fmt.Sprintf("verify-%s-%d@example.com", round, i), s.Hash,
			user.Profile{FirstName: "Bench", LastName: fmt.Sprintf("Verifier%d", i)}, now)
		token, err := verificationToken(u, now)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
		f.Verifications[i] = token
	}
	err := s.parallel(ctx, len(users), func(i int) error { return s.Users.Insert(ctx, users[i]) })
	if err != nil {
		return nil, fmt.Errorf("seed accounts: %w", err)
	}
	sessions := listed
	for _, a := range slices.Concat(f.Workers, f.Refreshers, f.Changers, f.Logouts) {
		sessions = append(sessions, &credential.Session{
			ID: a.SessionID, UserID: a.UserID, RefreshID: a.RefreshID,
			CreatedAt: now.UTC(), ExpiresAt: now.Add(sessionLifetime).UTC(),
		})
	}
	err = s.parallel(ctx, len(sessions), func(i int) error { return s.Sessions.Create(ctx, sessions[i]) })
	if err != nil {
		return nil, fmt.Errorf("seed sessions: %w", err)
	}
	return f, nil
}

// verificationToken issues u a verification token, as the service does when it mails one, and
// returns the token the mail would carry.
func verificationToken(u *user.User, now time.Time) (string, error) {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	token, err := credential.LinkToken(u.ID, secret)
	if err != nil {
		return "", fmt.Errorf("verification token: %w", err)
	}
	u.IssueToken(user.Token{Purpose: user.VerifyEmail, Digest: user.Digest(secret), IssuedAt: now.UTC(), ExpiresAt: now.Add(sessionLifetime).UTC()})
	return token, nil
}

// parallel runs fn(0..n-1) on s.Writers goroutines and returns the first error.
func (s *Seeder) parallel(ctx context.Context, n int, fn func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(s.Writers, n)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// newID returns a random id in the service's format, 24 lower-case hex digits.
func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
