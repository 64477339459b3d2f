package credential_test

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/throttle"
)

// Parallel refreshes of one token race a deactivation many times over; whatever the interleaving,
// once Deactivate has answered no pair, the old one or any a refresh issued, works, and none comes
// back when the account is switched on again.
func TestRefreshesRacingADeactivationNeverOutliveIt(t *testing.T) {
	t.Parallel()
	const n = 8
	for round := range 50 {
		e := opEnv(t, func(d *credential.Deps) { d.Config.RefreshGrace = 10 * time.Second })
		_, admin := e.admin(t, "admin@example.com")
		target := e.register(t, "a@example.com")
		first, _ := e.login(t, "a@example.com")

		pairs := make([]credential.Pair, n)
		errs := make([]error, n)
		var deactivateErr error
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { pairs[i], errs[i] = e.svc.Refresh(ctx, first.RefreshToken) })
		}
		wg.Go(func() {
			for range round % 9 {
				runtime.Gosched()
			}
			_, deactivateErr = e.svc.Deactivate(ctx, admin, target.ID)
		})
		wg.Wait()
		if deactivateErr != nil {
			t.Fatalf("round %d: deactivate: %v", round, deactivateErr)
		}
		issued := []credential.Pair{first}
		for i := range n {
			switch {
			case errs[i] == nil:
				issued = append(issued, pairs[i])
			case !errors.Is(errs[i], credential.ErrInvalidToken) && !errors.Is(errs[i], credential.ErrSessionRevoked):
				t.Fatalf("round %d: refresh %d: %v", round, i, errs[i])
			}
		}
		for _, pair := range issued {
			e.dead(t, pair, "refreshed around a deactivation")
		}
		if _, err := e.svc.Activate(ctx, admin, target.ID); err != nil {
			t.Fatal(err)
		}
		for _, pair := range issued {
			e.dead(t, pair, "refreshed around a deactivation, then activated")
		}
		if t.Failed() {
			t.Fatalf("round %d: %d pairs issued", round, len(issued))
		}
	}
}

// Logins race a deletion, by the owner or by an operator, many times over; whatever the
// interleaving, once the deletion has answered no pair any login returned works, and no session
// of the account is left behind for the sweep to miss.
func TestLoginsRacingADeletionNeverOutliveIt(t *testing.T) {
	t.Parallel()
	// Fewer than the lockout's limit, so that logins refused after the deletion never lock out.
	const n = 4
	for _, d := range deletions {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			for round := range 50 {
				e := opEnv(t)
				_, admin := e.admin(t, "admin@example.com")
				target := e.register(t, "a@example.com")
				_, owner := e.login(t, "a@example.com")

				pairs := make([]credential.Pair, n)
				errs := make([]error, n)
				var deleteErr error
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						for range (round + i) % 5 {
							runtime.Gosched()
						}
						pairs[i], _, errs[i] = e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"})
					})
				}
				wg.Go(func() {
					for range round % 7 {
						runtime.Gosched()
					}
					deleteErr = d.delete(e.svc, admin, owner)
				})
				wg.Wait()
				if deleteErr != nil {
					t.Fatalf("round %d: delete: %v", round, deleteErr)
				}
				for i := range n {
					switch {
					case errs[i] == nil:
						e.dead(t, pairs[i], "a login racing the deletion")
					case !errors.Is(errs[i], credential.ErrInvalidCredentials) && !errors.Is(errs[i], throttle.ErrThrottled):
						t.Fatalf("round %d: login %d: %v", round, i, errs[i])
					}
				}
				if s, _ := e.leftovers(t, target.ID); s != 0 {
					t.Errorf("%d sessions left of the deleted account", s)
				}
				if t.Failed() {
					t.Fatalf("round %d", round)
				}
			}
		})
	}
}
