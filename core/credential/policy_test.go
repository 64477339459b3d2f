package credential_test

import (
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/test/fake"
)

// recordingMeter remembers every password it was asked to score.
type recordingMeter struct {
	mu   sync.Mutex
	seen []string
}

func (m *recordingMeter) Strength(pw string, inputs []string) credential.Strength {
	m.mu.Lock()
	m.seen = append(m.seen, pw)
	m.mu.Unlock()
	return fake.Meter{}.Strength(pw, inputs)
}

func (m *recordingMeter) calls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.seen...)
}

func TestTheMeterNeverSeesMoreThanMaxScoredLen(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, password, want string }{
		{"short", "Tr0ub4dor&3xyz", "Tr0ub4dor&3xyz"},
		{"exactly the bound", strings.Repeat("a", credential.MaxScoredLen), strings.Repeat("a", credential.MaxScoredLen)},
		{"the longest allowed", strings.Repeat("4@8({[<3&6#1!|70$5+%2", 7)[:credential.MaxPasswordLen], "4@8({[<3&6#1!|70$5+%24@8({[<3&6#"},
		{"multi-byte characters count as one", strings.Repeat("é", 100), strings.Repeat("é", credential.MaxScoredLen)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := &recordingMeter{}
			_ = credential.NewPolicy(m).Check("password", tt.password)
			got := m.calls()
			if len(got) != 1 || got[0] != tt.want {
				t.Fatalf("meter saw %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got[0]); n > credential.MaxScoredLen {
				t.Fatalf("meter saw %d characters, more than %d", n, credential.MaxScoredLen)
			}
		})
	}
}

func TestStrengthIsScoredOnlyForOtherwiseValidAdmittedRequests(t *testing.T) {
	t.Parallel()
	strong := strings.Repeat("4@8({[<3&6#1!|70$5+%2", 7)[:credential.MaxPasswordLen]
	m := &recordingMeter{}
	e := newEnv(t)
	cfg := throttleConfig
	cfg.RegisterMaxPerIP = 1
	d := e.deps()
	d.Policy, d.Throttle = credential.NewPolicy(m), throttle.New(e.attempts, e.clock, cfg)
	svc := credential.NewService(d)
	reg := func(email, confirm string) error {
		_, err := svc.Register(ctx, credential.Registration{
			Email: email, Password: strong, ConfirmPassword: confirm, FirstName: "A", LastName: "B", ClientIP: "192.0.2.9",
		})
		return err
	}
	if err := reg("a@example.com", strong+"x"); err == nil {
		t.Fatal("a mismatched confirmation was accepted")
	}
	if err := reg("not an email", strong); err == nil {
		t.Fatal("an invalid email was accepted")
	}
	if n := len(m.calls()); n != 0 {
		t.Fatalf("the meter scored %d passwords of invalid registrations", n)
	}
	if err := reg("a@example.com", strong); err != nil {
		t.Fatalf("a valid registration: %v", err)
	}
	if err := reg("b@example.com", strong); err == nil {
		t.Fatal("the address's allowance of one registration admitted a second")
	}
	if n := len(m.calls()); n != 1 {
		t.Fatalf("the meter scored %d passwords, want only the admitted registration's", n)
	}

	pair, _, err := svc.Login(ctx, "a@example.com", strong, credential.Client{ThrottleKey: "192.0.2.9"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, pair.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []credential.PasswordChange{
		{Current: strong, New: "N3w" + strong[3:], Confirm: "mismatch" + strong[8:]},
		{Current: strong, New: strong, Confirm: strong},
		{Current: strong, New: "short", Confirm: "short"},
	} {
		if err := svc.ChangePassword(ctx, p, c); err == nil {
			t.Fatalf("an invalid change %+v was accepted", c)
		}
	}
	if n := len(m.calls()); n != 1 {
		t.Fatalf("the meter scored %d passwords of invalid changes", n-1)
	}
}
