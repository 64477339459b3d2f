// Package credential holds the rules for passwords, sessions and tokens: register, log in, refresh,
// log out, change password, and authenticate a bearer token.
package credential

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// Config holds the lifetimes of issued tokens.
type Config struct {
	AccessTTL     time.Duration
	RefreshTTL    time.Duration
	SessionMaxAge time.Duration // refreshing never extends a session past this since login; 0: no limit
	// RefreshGrace is how long after a refresh the refresh token it spent still gets the pair that
	// refresh issued, instead of counting as reuse: tabs of one app refreshing at once. 0: strict.
	RefreshGrace time.Duration
	// KeepDevice says whether sessions keep their client's network and user agent.
	KeepDevice bool
	// Lifetimes of the tokens sent by mail.
	ResetTTL       time.Duration
	VerifyTTL      time.Duration
	EmailChangeTTL time.Duration
	// AdminEmails are the normalised addresses whose accounts get the admin role once verified.
	AdminEmails []string
	// ExportMaxPerHour bounds the exports of one account; 0: no limit.
	ExportMaxPerHour int
}

// Deps is what a Service is built from.
type Deps struct {
	Users    user.Store
	Lister   user.Lister
	Eraser   user.Eraser
	Sessions SessionStore
	Throttle *throttle.Throttle
	Hasher   Hasher
	Policy   Policy
	Tokens   TokenCodec
	Clock    Clock
	IDs      IDGenerator
	Outbox   mail.Outbox
	// Queued, if set, is called after a use case queued mail, to wake a courier.
	Queued func()
	// Timeline keeps the users' security events; OnAuditError hears of events that could not be
	// recorded (recording never fails a request), and of an erasure left to the sweep.
	Timeline     audit.Store
	OnAuditError func(error)
	Config       Config
}

// Service carries out the credential use cases.
type Service struct {
	users    user.Store
	lister   user.Lister
	eraser   user.Eraser
	sessions SessionStore
	throttle *throttle.Throttle
	hasher   Hasher
	policy   Policy
	tokens   TokenCodec
	clock    Clock
	ids      IDGenerator
	outbox   mail.Outbox
	queued   func()
	timeline audit.Store
	events   *audit.Log
	onError  func(error)
	cfg      Config

	dummyOnce sync.Once
	dummyHash string
}

// NewService returns a Service over d's ports.
func NewService(d Deps) *Service {
	return &Service{
		users: d.Users, lister: d.Lister, eraser: d.Eraser, onError: d.OnAuditError, sessions: d.Sessions, throttle: d.Throttle, hasher: d.Hasher, policy: d.Policy,
		tokens: d.Tokens, clock: d.Clock, ids: d.IDs, outbox: d.Outbox, queued: d.Queued, cfg: d.Config,
		timeline: d.Timeline, events: &audit.Log{Store: d.Timeline, OnError: d.OnAuditError},
	}
}

// Registration is what a new user sends.
type Registration struct {
	Email           string
	Password        string
	ConfirmPassword string
	FirstName       string
	LastName        string
	ClientIP        string // for per-address throttling; empty means unknown
}

// Register creates an account. Every invalid field is reported at once, as user.ValidationErrors.
func (s *Service) Register(ctx context.Context, r Registration) (*user.User, error) {
	var errs user.ValidationErrors
	email, err := user.NormalizeEmail("email", r.Email)
	errs = appendValidation(errs, err)
	profile, err := user.NewProfile(r.FirstName, r.LastName)
	errs = appendValidation(errs, err)
	lengthErr := CheckLength("password", r.Password)
	errs = appendValidation(errs, lengthErr)
	if r.Password != r.ConfirmPassword {
		errs = append(errs, &user.ValidationError{Field: "confirm_password", Kind: user.Mismatch, Msg: "passwords do not match"})
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	// Scoring a password's strength is the costliest check; an anonymous caller reaches it only with
	// an otherwise valid request that the address's registration allowance admits.
	if err := s.throttle.Register(ctx, r.ClientIP); err != nil {
		return nil, err
	}
	if err := s.policy.Check("password", r.Password, email, r.FirstName, r.LastName); err != nil {
		return nil, appendValidation(nil, err)
	}
	hash, err := s.hasher.Hash(ctx, r.Password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	u := user.New(user.ID(s.ids.NewID()), email, hash, profile, s.clock.Now())
	u.Notify(s.notice(user.NoticeVerifyEmail, "", ""))
	u.Record(s.event(audit.Registered, "", r.ClientIP, ""))
	if err := s.users.Insert(ctx, u); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	s.mailQueued()
	u.Outbox, u.Events = nil, nil
	return u, nil
}

func appendValidation(errs user.ValidationErrors, err error) user.ValidationErrors {
	if err == nil {
		return errs
	}
	var many user.ValidationErrors
	if errors.As(err, &many) {
		return append(errs, many...)
	}
	var one *user.ValidationError
	if errors.As(err, &one) {
		return append(errs, one)
	}
	return append(errs, &user.ValidationError{Kind: user.Invalid, Msg: err.Error()})
}

// now is the clock's time in UTC; how precisely a store keeps it is the store's business.
func (s *Service) now() time.Time {
	return s.clock.Now().UTC()
}
