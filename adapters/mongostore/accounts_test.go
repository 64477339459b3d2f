package mongostore_test

import (
	"context"
	"testing"
	"time"

	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
)

func TestAccountsContract(t *testing.T) {
	contract.Accounts(t, func(t *testing.T) contract.AccountStores {
		r, _ := connectReplicas(t, contractReplicas)
		return contract.AccountStores{
			Stores: contract.Stores{Users: replicaUsers{r}, Sessions: replicaSessions{r}, Outbox: replicaOutbox{r}, Timeline: replicaTimeline{r}},
			Lister: replicaAccounts{r}, Eraser: replicaAccounts{r},
		}
	})
}

type replicaAccounts struct{ *replicas }

func (r replicaAccounts) List(ctx context.Context, q user.Query) ([]*user.User, error) {
	return r.pick().Users().List(ctx, q)
}

func (r replicaAccounts) Erase(ctx context.Context, id user.ID) error {
	return r.pick().Users().Erase(ctx, id)
}

func (r replicaAccounts) Deleted(ctx context.Context, before time.Time, limit int) ([]user.ID, error) {
	return r.pick().Users().Deleted(ctx, before, limit)
}
