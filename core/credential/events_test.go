package credential_test

import (
	"slices"
	"testing"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
)

// kinds returns the kinds on the timeline of the user with id, oldest first, once n are there
// (failed logins are recorded after their request has answered).
func (e *env) kinds(t *testing.T, id string, n int) []audit.Kind {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, events, err := e.users.Timeline.Chain(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) >= n || time.Now().After(deadline) {
			out := make([]audit.Kind, len(events))
			for i, ev := range events {
				out[i] = ev.Kind
			}
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTheTimelineRecordsWhatHappenedToTheAccountAndVerifies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "a@example.com")
	if _, _, err := e.svc.Login(ctx, "a@example.com", "WrongPass123!", credential.Client{ThrottleKey: "192.0.2.1", IP: "192.0.2.1"}); err == nil {
		t.Fatal("a wrong password logged in")
	}
	pair, p := e.login(t, "a@example.com")
	if err := e.svc.ChangePassword(ctx, p, credential.PasswordChange{Current: pw, New: "Changed789!x", Confirm: "Changed789!x"}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Logout(ctx, p, ""); err != nil {
		t.Fatal(err)
	}
	_ = pair
	want := []audit.Kind{audit.Registered, audit.LoginFailed, audit.LoginSucceeded, audit.PasswordChanged, audit.SessionRevoked, audit.SessionRevoked}
	got := e.kinds(t, string(u.ID), len(want))
	// The failed login is recorded after its answer, so it may land after the next events.
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("timeline = %v, want %v", got, want)
	}
	r, err := e.svc.VerifyTimeline(ctx, p)
	if err != nil || !r.Valid || r.Events != len(want) {
		t.Fatalf("verify = %+v, %v", r, err)
	}
	page, err := e.svc.SecurityEvents(ctx, p, 0, 2)
	if err != nil || len(page) != 2 || page[0].Seq != int64(len(want)) || page[1].Seq != int64(len(want)-1) {
		t.Fatalf("the newest page = %+v, %v", page, err)
	}
	older, _ := e.svc.SecurityEvents(ctx, p, page[1].Seq, 10)
	if len(older) != len(want)-2 || older[0].Seq != page[1].Seq-1 {
		t.Fatalf("the page before = %+v", older)
	}
}

func TestRefreshReuseIsOnTheTimeline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "a@example.com")
	first, _ := e.login(t, "a@example.com")
	if _, err := e.svc.Refresh(ctx, first.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Refresh(ctx, first.RefreshToken); err == nil {
		t.Fatal("reuse refreshed")
	}
	got := e.kinds(t, string(u.ID), 4)
	if !slices.Contains(got, audit.RefreshReuseDetected) || got[len(got)-1] != audit.SessionRevoked {
		t.Fatalf("timeline = %v", got)
	}
}

func TestTheTimelineKeepsTheClientsNetworkOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.deps()
	d.Config.KeepDevice = true
	e.svc = credential.NewService(d)
	u := e.register(t, "a@example.com")
	if _, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "198.51.100.7", IP: "198.51.100.7"}); err != nil {
		t.Fatal(err)
	}
	_, events, _ := e.users.Timeline.Chain(ctx, string(u.ID))
	last := events[len(events)-1]
	if last.Kind != audit.LoginSucceeded || last.IP != "198.51.100.0" || last.SessionID == "" {
		t.Fatalf("login event = %+v", last)
	}
}
