package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/authd/authd/adapters/metrics"
	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/storage"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
	"github.com/authd/authd/test/fake"
)

func newRecorder(t *testing.T) (*metrics.Recorder, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	rec, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	return rec, reg
}

// The decorators must be invisible to the core: the store contracts hold through them.
func TestDecoratedStoresKeepTheContracts(t *testing.T) {
	rec, _ := newRecorder(t)
	contract.UserStore(t, func(*testing.T) user.Store { return metrics.Users{Next: fake.NewUsers(), Rec: rec} })
	contract.SessionStore(t, func(*testing.T) (user.Store, credential.SessionStore) {
		users := fake.NewUsers()
		return metrics.Users{Next: users, Rec: rec}, metrics.Sessions{Next: fake.NewSessions(users), Rec: rec}
	})
	contract.AttemptStore(t, func(*testing.T) throttle.Store {
		return metrics.Attempts{Next: fake.NewAttempts(), Rec: rec}
	})
	contract.Outbox(t, func(*testing.T) mail.Outbox { return metrics.Outbox{Next: fake.NewOutbox(), Rec: rec} })
	contract.Notices(t, func(*testing.T) contract.Stores {
		users := fake.NewUsers()
		return contract.Stores{
			Users:    metrics.Users{Next: users, Rec: rec},
			Sessions: metrics.Sessions{Next: fake.NewSessions(users), Rec: rec},
			Outbox:   metrics.Outbox{Next: users.Mail, Rec: rec},
		}
	})
	contract.Accounts(t, func(*testing.T) contract.AccountStores {
		users := fake.NewUsers()
		return contract.AccountStores{
			Stores: contract.Stores{
				Users:    metrics.Users{Next: users, Rec: rec},
				Sessions: metrics.Sessions{Next: fake.NewSessions(users), Rec: rec},
				Outbox:   metrics.Outbox{Next: users.Mail, Rec: rec},
			},
			Lister: metrics.Lister{Next: users, Rec: rec},
			Eraser: metrics.Eraser{Next: users, Rec: rec},
		}
	})
	contract.Timeline(t, func(*testing.T) (audit.Store, contract.Tamper) {
		tl := fake.NewTimeline()
		return metrics.Timeline{Next: tl, Rec: rec}, func(_ *testing.T, userID string, seq int64, detail string) {
			tl.Tamper(userID, seq, func(e *audit.Event) { e.Detail = detail })
		}
	})
	contract.Events(t, func(*testing.T) contract.Stores {
		users := fake.NewUsers()
		return contract.Stores{
			Users:    metrics.Users{Next: users, Rec: rec},
			Sessions: metrics.Sessions{Next: fake.NewSessions(users), Rec: rec},
			Outbox:   metrics.Outbox{Next: users.Mail, Rec: rec},
			Timeline: metrics.Timeline{Next: users.Timeline, Rec: rec},
		}
	})
}

// failingUsers answers every lookup with one error.
type failingUsers struct {
	user.Store
	err error
}

func (f failingUsers) ByEmail(context.Context, string) (*user.User, error) { return nil, f.err }

func TestStoreErrorsCountOnlyFailures(t *testing.T) {
	t.Parallel()
	rec, reg := newRecorder(t)
	ctx := context.Background()
	_, _ = metrics.Users{Next: failingUsers{err: user.ErrNotFound}, Rec: rec}.ByEmail(ctx, "nobody@example.com")
	_, _ = metrics.Users{Next: failingUsers{err: storage.ErrUnavailable}, Rec: rec}.ByEmail(ctx, "a@example.com")
	_, _ = metrics.Users{Next: failingUsers{err: storage.ErrUnavailable}, Rec: rec}.ByEmail(ctx, "b@example.com")

	want := `
# HELP authd_db_operation_errors_total Database operations that failed, by store and operation; expected answers such as not found or conflict are not failures.
# TYPE authd_db_operation_errors_total counter
authd_db_operation_errors_total{operation="by_email",store="users"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "authd_db_operation_errors_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "authd_db_operation_duration_seconds"); n != 1 {
		t.Errorf("latency series = %d, want 1 (users/by_email)", n)
	}
}

// failingSessions answers every listing with one error.
type failingSessions struct {
	credential.SessionStore
	err error
}

func (f failingSessions) ByUser(context.Context, string, time.Time) ([]*credential.Session, error) {
	return nil, f.err
}

func TestSessionListsAreTimed(t *testing.T) {
	t.Parallel()
	rec, reg := newRecorder(t)
	_, _ = metrics.Sessions{Next: failingSessions{err: storage.ErrUnavailable}, Rec: rec}.ByUser(ctx, "u1", time.Now())

	want := `
# HELP authd_db_operation_errors_total Database operations that failed, by store and operation; expected answers such as not found or conflict are not failures.
# TYPE authd_db_operation_errors_total counter
authd_db_operation_errors_total{operation="by_user",store="sessions"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "authd_db_operation_errors_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "authd_db_operation_duration_seconds"); n != 1 {
		t.Errorf("latency series = %d, want 1 (sessions/by_user)", n)
	}
}

// failingTimeline fails every append.
type failingTimeline struct {
	audit.Store
	err error
}

func (f failingTimeline) Append(context.Context, audit.Event) (audit.Event, error) {
	return audit.Event{}, f.err
}

// The timeline's operations are timed; a failed append counts, a listing stopped by its own
// callback does not.
func TestTimelineIsTimed(t *testing.T) {
	t.Parallel()
	rec, reg := newRecorder(t)
	_, _ = metrics.Timeline{Next: failingTimeline{err: storage.ErrUnavailable}, Rec: rec}.Append(ctx, audit.Event{ID: "e1", UserID: "u1"})
	tl := metrics.Timeline{Next: fake.NewTimeline(), Rec: rec}
	if _, err := tl.Append(ctx, audit.Event{ID: "e2", UserID: "u2"}); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	if err := tl.Users(ctx, func(string) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("Users: got %v, want the callback's error", err)
	}

	want := `
# HELP authd_db_operation_errors_total Database operations that failed, by store and operation; expected answers such as not found or conflict are not failures.
# TYPE authd_db_operation_errors_total counter
authd_db_operation_errors_total{operation="append",store="timeline"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "authd_db_operation_errors_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "authd_db_operation_duration_seconds"); n != 2 {
		t.Errorf("latency series = %d, want 2 (timeline/append and timeline/users)", n)
	}
}

// A change that refuses (a spent refresh token, a lockout) is the core's answer, not a store failure.
func TestAChangesOwnErrorIsNotAFailure(t *testing.T) {
	t.Parallel()
	rec, reg := newRecorder(t)
	ctx := context.Background()
	users := fake.NewUsers()
	sessions := metrics.Sessions{Next: fake.NewSessions(users), Rec: rec}
	sess := contract.NewSession("s1")
	if err := sessions.Create(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Update(ctx, sess.ID, credential.Rotate("not-the-current-id", "next", sess.ExpiresAt)); !errors.Is(err, credential.ErrStaleRefresh) {
		t.Fatalf("Rotate with a spent id: %v", err)
	}
	refused := errors.New("locked out")
	attempts := metrics.Attempts{Next: fake.NewAttempts(), Rec: rec}
	if _, err := attempts.Update(ctx, "k", func(*throttle.Attempts) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("attempts Update: %v", err)
	}
	if n := testutil.CollectAndCount(reg, "authd_db_operation_errors_total"); n != 0 {
		t.Errorf("%d error series after two refusals by the core, want none", n)
	}
}

// An outbox with nothing due answers so; that is no failure either.
func TestAnEmptyOutboxIsNotAFailure(t *testing.T) {
	t.Parallel()
	rec, reg := newRecorder(t)
	if _, err := (metrics.Outbox{Next: fake.NewOutbox(), Rec: rec}).Claim(ctx, time.Now(), time.Minute); !errors.Is(err, mail.ErrEmpty) {
		t.Fatalf("Claim of an empty outbox: %v", err)
	}
	if n := testutil.CollectAndCount(reg, "authd_db_operation_errors_total"); n != 0 {
		t.Errorf("%d error series after an empty claim, want none", n)
	}
	if n := testutil.CollectAndCount(reg, "authd_db_operation_duration_seconds"); n != 1 {
		t.Errorf("latency series = %d, want 1 (outbox/claim)", n)
	}
}

func TestHasherIsTimedAndTransparent(t *testing.T) {
	t.Parallel()
	rec, reg := newRecorder(t)
	h := metrics.Hasher{Next: &fake.Hasher{}, Rec: rec}
	hash, err := h.Hash(ctx, "SecurePass123!")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := h.Verify(ctx, hash, "SecurePass123!"); !ok || err != nil {
		t.Fatalf("Verify through the decorator = %v, %v", ok, err)
	}
	if n := testutil.CollectAndCount(reg, "authd_password_hash_duration_seconds"); n != 2 {
		t.Errorf("hash duration series = %d, want hash and verify", n)
	}
}

func TestRequestsLoginsAndReuse(t *testing.T) {
	t.Parallel()
	rec, reg := newRecorder(t)
	rec.Request("/api/v1/auth/login", "POST", 200, 40*time.Millisecond)
	rec.Request("/api/v1/auth/login", "POST", 401, 30*time.Millisecond)
	rec.Request("/api/v1/auth/login", "POST", 401, 30*time.Millisecond)
	rec.Login("success")
	rec.Login("bad_credentials")
	rec.RefreshReused()

	want := `
# HELP authd_http_requests_total HTTP requests answered, by route template, method and status.
# TYPE authd_http_requests_total counter
authd_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"} 1
authd_http_requests_total{method="POST",route="/api/v1/auth/login",status="401"} 2
# HELP authd_logins_total Login attempts by outcome: success, bad_credentials, throttled, inactive or error.
# TYPE authd_logins_total counter
authd_logins_total{outcome="bad_credentials"} 1
authd_logins_total{outcome="success"} 1
# HELP authd_refresh_token_reuse_total Spent refresh tokens presented again; each revoked its session.
# TYPE authd_refresh_token_reuse_total counter
authd_refresh_token_reuse_total 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"authd_http_requests_total", "authd_logins_total", "authd_refresh_token_reuse_total"); err != nil {
		t.Error(err)
	}
	// The runtime and process collectors come with every recorder.
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range families {
		seen[f.GetName()] = true
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if !seen[name] {
			t.Errorf("%s is not exported", name)
		}
	}
}

func TestNewRefusesASecondRecorderOnOneRegistry(t *testing.T) {
	t.Parallel()
	_, reg := newRecorder(t)
	if _, err := metrics.New(reg); err == nil || !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
		t.Errorf("second New = %v, want AlreadyRegisteredError", err)
	}
}

var ctx = context.Background()
