// Package credential holds the rules for passwords, sessions and tokens: register, log in, refresh,
// log out, change password, and authenticate a bearer token.
package credential

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/authd/authd/core/user"
)

// Config holds the lifetimes of issued tokens.
type Config struct {
	AccessTTL  time.Duration
	RefreshTTL time.Duration
}

// Service carries out the credential use cases.
type Service struct {
	users    user.Store
	sessions SessionStore
	hasher   Hasher
	policy   Policy
	tokens   TokenCodec
	clock    Clock
	ids      IDGenerator
	cfg      Config

	dummyOnce sync.Once
	dummyHash string
}

// NewService returns a Service over the given ports.
func NewService(users user.Store, sessions SessionStore, hasher Hasher, policy Policy, tokens TokenCodec, clock Clock, ids IDGenerator, cfg Config) *Service {
	return &Service{users: users, sessions: sessions, hasher: hasher, policy: policy, tokens: tokens, clock: clock, ids: ids, cfg: cfg}
}

// Registration is what a new user sends.
type Registration struct {
	Email           string
	Password        string
	ConfirmPassword string
	FirstName       string
	LastName        string
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
		errs = append(errs, &user.ValidationError{Field: "confirm_password", Type: user.TypeValue, Msg: "passwords do not match"})
	}
	if lengthErr == nil {
		errs = appendValidation(errs, s.policy.Check("password", r.Password, email, r.FirstName, r.LastName))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(r.Password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	u := user.New(user.ID(s.ids.NewID()), email, hash, profile, s.clock.Now())
	if err := s.users.Insert(ctx, u); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	return u, nil
}

// Login checks a password and opens a session. Unknown emails cost the same hash work as wrong passwords.
func (s *Service) Login(ctx context.Context, rawEmail, password string) (Pair, *user.User, error) {
	email, err := user.NormalizeEmail("email", rawEmail)
	if err != nil {
		return Pair{}, nil, err
	}
	if err := CheckLength("password", password); err != nil {
		// Too long or too short can never match a stored password; don't hash attacker-sized input.
		return Pair{}, nil, ErrInvalidCredentials
	}
	u, err := s.users.ByEmail(ctx, email)
	if errors.Is(err, user.ErrNotFound) {
		_, _, _ = s.hasher.Verify(s.dummy(), password)
		return Pair{}, nil, ErrInvalidCredentials
	}
	if err != nil {
		return Pair{}, nil, fmt.Errorf("login: %w", err)
	}
	ok, outdated, err := s.hasher.Verify(u.PasswordHash, password)
	if err != nil {
		return Pair{}, nil, fmt.Errorf("login: verify: %w", err)
	}
	if !ok {
		return Pair{}, nil, ErrInvalidCredentials
	}
	if !u.IsActive {
		return Pair{}, nil, ErrInactive
	}
	var upgraded string
	if outdated {
		if upgraded, err = s.hasher.Hash(password); err != nil {
			return Pair{}, nil, fmt.Errorf("login: rehash: %w", err)
		}
	}
	now := s.now()
	verified := u.PasswordHash
	u, err = user.Modify(ctx, s.users, u.ID, func(u *user.User) error {
		hash := ""
		// A password change that raced this login wins: never write a hash of the old password over it.
		if u.PasswordHash == verified {
			hash = upgraded
		}
		u.RecordLogin(now, hash)
		return nil
	})
	if err != nil {
		return Pair{}, nil, fmt.Errorf("login: %w", err)
	}
	sess := &Session{
		ID:        s.ids.NewID(),
		UserID:    string(u.ID),
		RefreshID: s.ids.NewID(),
		Epoch:     u.TokenEpoch,
		CreatedAt: now.UTC(),
		ExpiresAt: now.Add(s.cfg.RefreshTTL).UTC(),
	}
	if err := s.sessions.Create(ctx, sess); err != nil {
		return Pair{}, nil, fmt.Errorf("login: create session: %w", err)
	}
	pair, err := s.issue(sess, now)
	return pair, u, err
}

// Refresh exchanges a refresh token for a new pair. A refresh token works once; presenting a spent one
// revokes its whole session, since either the client or a thief holds a copy.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	claims, err := s.tokens.Verify(refreshToken, Refresh)
	if err != nil {
		return Pair{}, err
	}
	now := s.now()
	sess, _, err := s.activeSession(ctx, claims, now)
	if err != nil {
		return Pair{}, err
	}
	if claims.ID != sess.RefreshID {
		return Pair{}, s.revokeReused(ctx, sess.ID, now)
	}
	next := s.ids.NewID()
	switch err := s.sessions.Rotate(ctx, sess.ID, claims.ID, next, now.Add(s.cfg.RefreshTTL).UTC()); {
	case errors.Is(err, ErrStaleRefresh):
		// Another request spent this token first.
		return Pair{}, s.revokeReused(ctx, sess.ID, now)
	case errors.Is(err, ErrSessionNotFound):
		return Pair{}, ErrSessionRevoked
	case err != nil:
		return Pair{}, fmt.Errorf("refresh: %w", err)
	}
	sess.RefreshID = next
	sess.ExpiresAt = now.Add(s.cfg.RefreshTTL).UTC()
	return s.issue(sess, now)
}

func (s *Service) revokeReused(ctx context.Context, sessionID string, now time.Time) error {
	if err := s.sessions.Revoke(ctx, sessionID, now); err != nil && !errors.Is(err, ErrSessionNotFound) {
		return fmt.Errorf("revoke reused session: %w", err)
	}
	return ErrRefreshReused
}

// Principal is the authenticated caller of a request.
type Principal struct {
	User    *user.User
	Session *Session
}

// Authenticate checks an access token and that its session and user are still good.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (*Principal, error) {
	claims, err := s.tokens.Verify(accessToken, Access)
	if err != nil {
		return nil, err
	}
	sess, u, err := s.activeSession(ctx, claims, s.now())
	if err != nil {
		return nil, err
	}
	return &Principal{User: u, Session: sess}, nil
}

// activeSession loads the session and user a verified token names and checks both are still in force.
func (s *Service) activeSession(ctx context.Context, claims Claims, now time.Time) (*Session, *user.User, error) {
	sess, err := s.sessions.ByID(ctx, claims.SessionID)
	if errors.Is(err, ErrSessionNotFound) {
		return nil, nil, ErrSessionRevoked
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", err)
	}
	if sess.UserID != claims.Subject {
		return nil, nil, ErrInvalidToken
	}
	if !sess.Active(now) {
		return nil, nil, ErrSessionRevoked
	}
	u, err := s.users.ByID(ctx, user.ID(claims.Subject))
	if errors.Is(err, user.ErrNotFound) {
		return nil, nil, ErrInvalidToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load user: %w", err)
	}
	if !u.IsActive {
		return nil, nil, ErrInvalidToken
	}
	if !u.SessionValid(sess.ID, sess.Epoch) {
		return nil, nil, ErrSessionRevoked
	}
	return sess, u, nil
}

// Logout revokes the caller's session, and the session of refreshToken when it is the caller's too.
func (s *Service) Logout(ctx context.Context, p *Principal, refreshToken string) error {
	now := s.now()
	// A session that is gone (expired and swept) is as logged out as it gets.
	if err := s.sessions.Revoke(ctx, p.Session.ID, now); err != nil && !errors.Is(err, ErrSessionNotFound) {
		return fmt.Errorf("logout: %w", err)
	}
	if refreshToken == "" {
		return nil
	}
	claims, err := s.tokens.Verify(refreshToken, Refresh)
	if err != nil || claims.SessionID == p.Session.ID || claims.Subject != string(p.User.ID) {
		// Logging out already reached its goal; a bad or foreign refresh token changes nothing.
		return nil
	}
	if err := s.sessions.Revoke(ctx, claims.SessionID, now); err != nil && !errors.Is(err, ErrSessionNotFound) {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// PasswordChange is what change-password sends.
type PasswordChange struct {
	Current string
	New     string
	Confirm string
}

// ChangePassword sets a new password and revokes every session of the user but the caller's.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, c PasswordChange) error {
	var errs user.ValidationErrors
	lengthErr := CheckLength("new_password", c.New)
	errs = appendValidation(errs, lengthErr)
	if c.New != c.Confirm {
		errs = append(errs, &user.ValidationError{Field: "confirm_password", Type: user.TypeValue, Msg: "passwords do not match"})
	}
	if c.New == c.Current {
		errs = append(errs, &user.ValidationError{Field: "new_password", Type: user.TypeValue, Msg: "new password must differ from the current password"})
	} else if lengthErr == nil {
		prof := p.User.Profile
		errs = appendValidation(errs, s.policy.Check("new_password", c.New, p.User.Email, prof.FirstName, prof.LastName))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if CheckLength("current_password", c.Current) != nil {
		return ErrWrongPassword
	}
	verified := p.User.PasswordHash
	if err := s.verifyCurrent(verified, c.Current); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(c.New)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	_, err = user.Modify(ctx, s.users, p.User.ID, func(u *user.User) error {
		// The stored hash must still be the one the current password was checked against, so of racing
		// changes made with one current password at most one succeeds.
		if u.PasswordHash != verified {
			if err := s.verifyCurrent(u.PasswordHash, c.Current); err != nil {
				return err
			}
			verified = u.PasswordHash
		}
		u.ChangePassword(hash, p.Session.ID)
		return nil
	})
	return err
}

func (s *Service) verifyCurrent(hash, password string) error {
	ok, _, err := s.hasher.Verify(hash, password)
	if err != nil {
		return fmt.Errorf("verify current password: %w", err)
	}
	if !ok {
		return ErrWrongPassword
	}
	return nil
}

func (s *Service) issue(sess *Session, now time.Time) (Pair, error) {
	access, err := s.tokens.Sign(Claims{
		Kind: Access, ID: s.ids.NewID(), Subject: sess.UserID, SessionID: sess.ID,
		IssuedAt: now, ExpiresAt: now.Add(s.cfg.AccessTTL),
	})
	if err != nil {
		return Pair{}, fmt.Errorf("sign access token: %w", err)
	}
	refresh, err := s.tokens.Sign(Claims{
		Kind: Refresh, ID: sess.RefreshID, Subject: sess.UserID, SessionID: sess.ID,
		IssuedAt: now, ExpiresAt: sess.ExpiresAt,
	})
	if err != nil {
		return Pair{}, fmt.Errorf("sign refresh token: %w", err)
	}
	return Pair{AccessToken: access, RefreshToken: refresh, ExpiresIn: s.cfg.AccessTTL}, nil
}

// dummy returns a hash of a password nobody has, so unknown emails cost one real Verify.
func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		h, err := s.hasher.Hash(s.ids.NewID() + s.ids.NewID())
		if err == nil {
			s.dummyHash = h
		}
	})
	return s.dummyHash
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
	return append(errs, &user.ValidationError{Type: user.TypeValue, Msg: err.Error()})
}

// now is the clock's time at the precision every store keeps (BSON dates hold milliseconds).
func (s *Service) now() time.Time {
	return s.clock.Now().UTC().Truncate(time.Millisecond)
}
