package credential_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
)

func TestTheSessionListShowsLiveSessionsNewestFirstWithTheirClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.deps()
	d.Config.KeepDevice = true
	e.svc = credential.NewService(d)
	e.register(t, "a@example.com")
	phone, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{IP: "198.51.100.77", UserAgent: "Phone/1.0"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	laptop, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{IP: "2001:db8:1:2:3:4:5:6", UserAgent: strings.Repeat("L", 300)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Authenticate(ctx, laptop.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.svc.Sessions(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || !list[0].Current || list[1].Current {
		t.Fatalf("list = %+v, want the laptop (current) then the phone", list)
	}
	if got := list[1].Device; got.IP != "198.51.100.0" || got.UserAgent != "Phone/1.0" {
		t.Errorf("phone's device = %+v, want its /24 and its user agent", got)
	}
	if got := list[0].Device; got.IP != "2001:db8:1::" || len(got.UserAgent) != 200 {
		t.Errorf("laptop's device = %+v, want its /48 and 200 characters of its user agent", got)
	}
	if err := e.svc.EndSession(ctx, p, list[1].ID); err != nil {
		t.Fatalf("EndSession: %v", err)
	}
	if _, err := e.svc.Authenticate(ctx, phone.AccessToken); err == nil {
		t.Fatal("an ended session still authenticates")
	}
	if list, _ := e.svc.Sessions(ctx, p); len(list) != 1 {
		t.Fatalf("after ending one, the list has %d", len(list))
	}
	if err := e.svc.EndSession(ctx, p, list[1].ID); !errors.Is(err, credential.ErrSessionNotFound) {
		t.Fatalf("ending it again: %v, want ErrSessionNotFound", err)
	}
}

func TestSessionsKeepNoDeviceUnlessConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	pair, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{IP: "198.51.100.77", UserAgent: "Phone/1.0"})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.svc.Authenticate(ctx, pair.AccessToken)
	if list, _ := e.svc.Sessions(ctx, p); len(list) != 1 || list[0].Device != (credential.Device{}) {
		t.Fatalf("list = %+v, want one session with no device", list)
	}
}

func TestSomeoneElsesSessionIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	e.register(t, "b@example.com")
	_, alice := e.login(t, "a@example.com")
	bobPair, bob := e.login(t, "b@example.com")
	if err := e.svc.EndSession(ctx, alice, bob.Session.ID); !errors.Is(err, credential.ErrSessionNotFound) {
		t.Fatalf("err = %v, want ErrSessionNotFound", err)
	}
	if _, err := e.svc.Authenticate(ctx, bobPair.AccessToken); err != nil {
		t.Fatalf("the other user's session was ended: %v", err)
	}
}

func TestEndingOtherSessionsKeepsOnlyTheCallers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	other, _ := e.login(t, "a@example.com")
	mine, p := e.login(t, "a@example.com")
	if err := e.svc.EndOtherSessions(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, other.AccessToken); err == nil {
		t.Error("another session still authenticates")
	}
	if _, err := e.svc.Refresh(ctx, other.RefreshToken); err == nil {
		t.Error("another session still refreshes")
	}
	if _, err := e.svc.Authenticate(ctx, mine.AccessToken); err != nil {
		t.Errorf("the caller's session ended: %v", err)
	}
	if _, err := e.svc.Refresh(ctx, mine.RefreshToken); err != nil {
		t.Errorf("the caller's session can't refresh: %v", err)
	}
}

func TestLastUsedIsWrittenAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	pair, p := e.login(t, "a@example.com")
	first := p.Session.LastUsedAt
	e.clock.Advance(30 * time.Second)
	p, _ = e.svc.Authenticate(ctx, pair.AccessToken)
	if !p.Session.LastUsedAt.Equal(first) {
		t.Fatalf("last used moved after 30s: %v → %v", first, p.Session.LastUsedAt)
	}
	e.clock.Advance(31 * time.Second)
	p, _ = e.svc.Authenticate(ctx, pair.AccessToken)
	stored, _ := e.sessions.ByID(ctx, p.Session.ID)
	if !stored.LastUsedAt.Equal(e.clock.Now().UTC()) {
		t.Fatalf("last used = %v after 61s, want %v", stored.LastUsedAt, e.clock.Now())
	}
}

// graceEnv is an env whose service honours a refresh grace.
func graceEnv(t *testing.T, grace time.Duration) *env {
	e := newEnv(t)
	d := e.deps()
	d.Config.RefreshGrace = grace
	e.svc = credential.NewService(d)
	return e
}

func TestWithinTheGraceTheSpentTokenGetsTheSamePair(t *testing.T) {
	t.Parallel()
	e := graceEnv(t, 10*time.Second)
	e.register(t, "a@example.com")
	first, _ := e.login(t, "a@example.com")
	next, err := e.svc.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Second)
	again, err := e.svc.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatalf("the spent token within the grace: %v", err)
	}
	if again != next {
		t.Fatalf("within the grace a different pair came back:\n%+v\n%+v", again, next)
	}
	if _, err := e.svc.Authenticate(ctx, next.AccessToken); err != nil {
		t.Fatalf("the session ended: %v", err)
	}
}

func TestPastTheGraceOrForAnOlderTokenReuseStillEndsTheSession(t *testing.T) {
	t.Parallel()
	t.Run("past the grace", func(t *testing.T) {
		e := graceEnv(t, 10*time.Second)
		e.register(t, "a@example.com")
		first, _ := e.login(t, "a@example.com")
		next, _ := e.svc.Refresh(ctx, first.RefreshToken)
		e.clock.Advance(11 * time.Second)
		if _, err := e.svc.Refresh(ctx, first.RefreshToken); !errors.Is(err, credential.ErrRefreshReused) {
			t.Fatalf("err = %v, want ErrRefreshReused", err)
		}
		if _, err := e.svc.Authenticate(ctx, next.AccessToken); err == nil {
			t.Fatal("the session survived reuse past the grace")
		}
	})
	t.Run("an older token", func(t *testing.T) {
		e := graceEnv(t, 10*time.Second)
		e.register(t, "a@example.com")
		first, _ := e.login(t, "a@example.com")
		second, _ := e.svc.Refresh(ctx, first.RefreshToken)
		if _, err := e.svc.Refresh(ctx, second.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Refresh(ctx, first.RefreshToken); !errors.Is(err, credential.ErrRefreshReused) {
			t.Fatalf("a token two refreshes old: err = %v, want ErrRefreshReused", err)
		}
	})
	t.Run("no grace configured", func(t *testing.T) {
		e := newEnv(t)
		e.register(t, "a@example.com")
		first, _ := e.login(t, "a@example.com")
		if _, err := e.svc.Refresh(ctx, first.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Refresh(ctx, first.RefreshToken); !errors.Is(err, credential.ErrRefreshReused) {
			t.Fatalf("strict by default: err = %v, want ErrRefreshReused", err)
		}
	})
}

func TestParallelRefreshesWithOneTokenWithinTheGraceAllGetOnePair(t *testing.T) {
	t.Parallel()
	for round := range 20 {
		e := graceEnv(t, 10*time.Second)
		e.register(t, "a@example.com")
		first, _ := e.login(t, "a@example.com")
		const n = 8
		pairs := make([]credential.Pair, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { pairs[i], errs[i] = e.svc.Refresh(ctx, first.RefreshToken) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d: refresh %d: %v", round, i, errs[i])
			}
			if pairs[i] != pairs[0] {
				t.Fatalf("round %d: refreshes %d and 0 got different pairs", round, i)
			}
		}
		if _, err := e.svc.Refresh(ctx, pairs[0].RefreshToken); err != nil {
			t.Fatalf("round %d: the one successor doesn't refresh: %v", round, err)
		}
	}
}
