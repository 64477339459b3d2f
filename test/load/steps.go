package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
)

// Step names, in the order Steps returns them.
const (
	StepRegister        = "register"
	StepLogin           = "login"
	StepRefresh         = "refresh"
	StepMe              = "GET /users/me"
	StepUpdateMe        = "PUT /users/me"
	StepUser            = "GET /users/{id}"
	StepSessions        = "GET /users/me/sessions"
	StepEvents          = "GET /users/me/security-events"
	StepLogout          = "logout"
	StepChangePassword  = "change-password"
	StepForgotAccount   = "forgot-password (account)"
	StepForgotNoAccount = "forgot-password (no account)"
	StepVerifyEmail     = "verify-email"
)

// Options bound every step.
type Options struct {
	Concurrency int
	Duration    time.Duration
	Requests    int
	// AccessTTL is the lifetime of the access tokens minted for workers.
	AccessTTL time.Duration
	// Mails, when positive, is the most requests a forgot-password step sends instead of Requests:
	// each queues a message that the service's courier handles after the answer.
	Mails int
}

// Steps returns the plans of a round, in order: register, login, refresh, GET /users/me, PUT /users/me,
// GET /users/{id}, GET /users/me/sessions and GET /users/me/security-events of the listers, logout,
// change-password, forgot-password for population users and for addresses nobody has, verify-email.
// codec mints the workers' tokens with the service's key.
// A plan may be run again: what a worker has changed on the server (its refresh token, its password,
// the emails it registered, the logout sessions and verification tokens spent) carries over from one
// run to the next.
func Steps(c *Client, f *Fixture, codec credential.TokenCodec, o Options) []Plan {
	plan := func(name string, worker func(i int) (Op, error)) Plan {
		return Plan{Name: name, Concurrency: o.Concurrency, Duration: o.Duration, Requests: o.Requests, NewWorker: worker}
	}
	access := func(a Account) (string, error) { return a.Access(codec, o.AccessTTL) }
	// Worker i alone touches index i, and runs of a plan never overlap.
	var (
		registered = make([]int, o.Concurrency)
		refresh    = make([]string, o.Concurrency)
		changes    = make([]int, o.Concurrency)
		logouts    atomic.Int64
		verified   atomic.Int64
	)
	forgot := func(name string, email func(n int) string) Plan {
		p := plan(name, func(i int) (Op, error) {
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			return func(ctx context.Context) error { return c.ForgotPassword(ctx, email(r.IntN(f.Population))) }, nil
		})
		if o.Mails > 0 {
			p.Requests = min(p.Requests, o.Mails)
		}
		return p
	}
	verify := plan(StepVerifyEmail, func(int) (Op, error) {
		return func(ctx context.Context) error {
			k := int(verified.Add(1) - 1)
			if k >= len(f.Verifications) {
				return ErrExhausted
			}
			return c.VerifyEmail(ctx, f.Verifications[k])
		}, nil
	})
	// One request per token: a run sends no more than were seeded, and a run after it stops when
	// the rest are spent. Run refuses a plan of no requests, and ErrExhausted ends one with no tokens.
	verify.Requests = max(1, min(o.Requests, len(f.Verifications)))
	return []Plan{
		plan(StepRegister, func(i int) (Op, error) {
			return func(ctx context.Context) error {
				registered[i]++
				return c.Register(ctx, fmt.Sprintf("reg-%s-%d-%d@example.com", f.Round, i, registered[i]), Password, "Bench", "Registrant")
			}, nil
		}),
		plan(StepLogin, func(i int) (Op, error) {
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			return func(ctx context.Context) error {
				_, err := c.Login(ctx, PopulationEmail(r.IntN(f.Population)), Password)
				return err
			}, nil
		}),
		plan(StepRefresh, func(i int) (Op, error) {
			if refresh[i] == "" {
				token, err := f.Refreshers[i].Refresh(codec)
				if err != nil {
					return nil, err
				}
				refresh[i] = token
			}
			return func(ctx context.Context) error {
				pair, err := c.Refresh(ctx, refresh[i])
				if err == nil {
					refresh[i] = pair.Refresh
				}
				return err
			}, nil
		}),
		MePlan(StepMe, c, f, codec, o),
		plan(StepUpdateMe, func(i int) (Op, error) {
			token, err := access(f.Workers[i])
			n := 0
			return func(ctx context.Context) error {
				n++
				return c.UpdateMe(ctx, token, fmt.Sprintf("Benchmark bio, revision %d", n))
			}, err
		}),
		plan(StepUser, func(i int) (Op, error) {
			token, err := access(f.Workers[i])
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			return func(ctx context.Context) error {
				return c.User(ctx, token, PopulationID(r.IntN(f.Population)))
			}, err
		}),
		plan(StepSessions, func(i int) (Op, error) {
			a := f.Listers[i]
			token, err := access(a)
			checked := false
			return func(ctx context.Context) error {
				if checked {
					return c.Sessions(ctx, token, nil)
				}
				var list SessionList
				if err := c.Sessions(ctx, token, &list); err != nil {
					return err
				}
				checked = true
				return checkSessions(list, a)
			}, err
		}),
		plan(StepEvents, func(i int) (Op, error) {
			a := f.Listers[i]
			token, err := access(a)
			checked := false
			return func(ctx context.Context) error {
				if checked {
					return c.SecurityEvents(ctx, token, EventsPerPage, nil)
				}
				var page EventPage
				if err := c.SecurityEvents(ctx, token, EventsPerPage, &page); err != nil {
					return err
				}
				checked = true
				return checkEvents(page, a)
			}, err
		}),
		plan(StepLogout, func(int) (Op, error) {
			return func(ctx context.Context) error {
				k := int(logouts.Add(1) - 1)
				if k >= len(f.Logouts) {
					return ErrExhausted
				}
				token, err := access(f.Logouts[k])
				if err != nil {
					return err
				}
				return c.Logout(ctx, token)
			}, nil
		}),
		plan(StepChangePassword, func(i int) (Op, error) {
			token, err := access(f.Changers[i])
			passwords := [2]string{Password, OtherPassword}
			return func(ctx context.Context) error {
				n := changes[i]
				err := c.ChangePassword(ctx, token, passwords[n%2], passwords[(n+1)%2])
				if err == nil {
					changes[i]++
				}
				return err
			}, err
		}),
		forgot(StepForgotAccount, PopulationEmail),
		forgot(StepForgotNoAccount, AbsentEmail),
		verify,
	}
}

// MePlan is the GET /users/me step on c; the benchmark also points it at the bare JWT-verify handler.
func MePlan(name string, c *Client, f *Fixture, codec credential.TokenCodec, o Options) Plan {
	return Plan{Name: name, Concurrency: o.Concurrency, Duration: o.Duration, Requests: o.Requests, NewWorker: func(i int) (Op, error) {
		token, err := f.Workers[i].Access(codec, o.AccessTTL)
		return func(ctx context.Context) error { return c.Me(ctx, token) }, err
	}}
}

// checkSessions tells whether the list holds a's history: ListerSessions sessions, a's the current
// one. A worker checks its first answer of a run, so that a step measures the listing it is meant
// to; decoding every answer would put the load generator's work on the service's cores.
func checkSessions(list SessionList, a Account) error {
	var current []string
	for _, s := range list.Sessions {
		if s.Current {
			current = append(current, s.ID)
		}
	}
	if len(list.Sessions) != ListerSessions || len(current) != 1 || current[0] != a.SessionID {
		return fmt.Errorf("GET /users/me/sessions: %d sessions listed, %d current (the caller's: %v); want %d, the caller's alone current",
			len(list.Sessions), len(current), slices.Contains(current, a.SessionID), ListerSessions)
	}
	return nil
}

// checkEvents tells whether the page is the newest of a's history, as checkSessions does for the
// session list: a full page with a next cursor, newest first, opening with the login of a's session.
func checkEvents(page EventPage, a Account) error {
	if len(page.Events) != EventsPerPage || page.Next == nil {
		return fmt.Errorf("GET /users/me/security-events: %d events and next %v; want a full page of %d and a next", len(page.Events), page.Next != nil, EventsPerPage)
	}
	newest := page.Events[0]
	if newest.Seq != ListerEvents || newest.Type != string(audit.LoginSucceeded) || newest.SessionID == nil || *newest.SessionID != a.SessionID {
		return fmt.Errorf("GET /users/me/security-events: the newest event is %s #%d; want the login of the caller's session, #%d", newest.Type, newest.Seq, ListerEvents)
	}
	return nil
}
