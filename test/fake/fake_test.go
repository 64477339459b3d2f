package fake_test

import (
	"testing"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
	"github.com/authd/authd/test/fake"
)

// The fakes the core tests lean on must keep the same contract as the real stores.
func TestUsersContract(t *testing.T) {
	contract.UserStore(t, func(*testing.T) user.Store { return fake.NewUsers() })
}

func TestSessionsContract(t *testing.T) {
	contract.SessionStore(t, func(*testing.T) (user.Store, credential.SessionStore) {
		users := fake.NewUsers()
		return users, fake.NewSessions(users)
	})
}

func TestAttemptsContract(t *testing.T) {
	contract.AttemptStore(t, func(*testing.T) throttle.Store { return fake.NewAttempts() })
}

func TestOutboxContract(t *testing.T) {
	contract.Outbox(t, func(*testing.T) mail.Outbox { return fake.NewOutbox() })
}

func TestNoticesContract(t *testing.T) {
	contract.Notices(t, func(*testing.T) contract.Stores {
		users := fake.NewUsers()
		return contract.Stores{Users: users, Sessions: fake.NewSessions(users), Outbox: users.Mail}
	})
}

func TestTimelineContract(t *testing.T) {
	contract.Timeline(t, func(*testing.T) (audit.Store, contract.Tamper) {
		tl := fake.NewTimeline()
		return tl, func(_ *testing.T, userID string, seq int64, detail string) {
			tl.Tamper(userID, seq, func(e *audit.Event) { e.Detail = detail })
		}
	})
}

func TestEventsContract(t *testing.T) {
	contract.Events(t, func(*testing.T) contract.Stores {
		users := fake.NewUsers()
		return contract.Stores{Users: users, Sessions: fake.NewSessions(users), Outbox: users.Mail, Timeline: users.Timeline}
	})
}

func TestAccountsContract(t *testing.T) {
	contract.Accounts(t, func(*testing.T) contract.AccountStores {
		users := fake.NewUsers()
		return contract.AccountStores{
			Stores: contract.Stores{Users: users, Sessions: fake.NewSessions(users), Outbox: users.Mail, Timeline: users.Timeline},
			Lister: users, Eraser: users,
		}
	})
}
