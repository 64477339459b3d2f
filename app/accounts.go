package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
)

// AccountsModule gives the addresses of AUTHD_ADMIN_EMAILS whose accounts are verified the admin
// role at start-up, and finishes erasing deleted accounts: every replica sweeps about once a
// minute (erasing is idempotent, so replicas may overlap).
var AccountsModule = fx.Module("accounts", fx.Invoke(grantConfiguredAdmins, runEraseSweep))

// eraseEvery is how often a replica looks for deleted accounts left half-erased; the first look
// waits as long, since a deletion under way erases its own account.
const eraseEvery = time.Minute

// eraseBatch bounds the accounts one sweep erases.
const eraseBatch = 100

func grantConfiguredAdmins(lc fx.Lifecycle, c Config, creds *credential.Service, log *slog.Logger) {
	if c.AdminEmails == "" {
		return
	}
	lc.Append(fx.Hook{OnStart: func(ctx context.Context) error {
		granted, err := creds.GrantConfigured(ctx)
		for _, email := range granted {
			log.Info("granted the admin role to a configured administrator", "email", email)
		}
		if err != nil {
			return fmt.Errorf("AUTHD_ADMIN_EMAILS: %w", err)
		}
		return nil
	}})
}

func runEraseSweep(lc fx.Lifecycle, creds *credential.Service, log *slog.Logger) {
	runEvery(lc, eraseEvery, eraseEvery, func(ctx context.Context) {
		n, err := creds.EraseDeleted(ctx, eraseBatch)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("erasing deleted accounts failed; will retry", "error", err.Error())
		case n > 0:
			log.Info("erased what deleted accounts had left", "count", n)
		}
	})
}

// ErrNoSuchAccount is what SetRole returns for an address no account has.
var ErrNoSuchAccount = errors.New("no account has this address")

// ErrConfiguredAdmin is what SetRole returns when asked to revoke the role of an address that
// AUTHD_ADMIN_EMAILS lists: the next start-up or proof of the address would give it back.
var ErrConfiguredAdmin = errors.New("AUTHD_ADMIN_EMAILS lists this address and would give the role back: remove it there first")

// SetRole grants (or, with grant false, revokes) role to the account at email straight in the
// configured store: `authd admin grant|revoke EMAIL`. It reports whether anything changed.
func SetRole(ctx context.Context, c Config, log *slog.Logger, email string, role user.Role, grant bool) (bool, error) {
	var creds *credential.Service
	app := fx.New(
		fx.Supply(c, log),
		fx.NopLogger,
		StorageModule,
		// The bell a use case rings after queuing mail, without the courier: this process sends none.
		fx.Provide(mail.NewBell),
		CoreModule,
		fx.Populate(&creds),
	)
	if err := app.Start(ctx); err != nil {
		return false, StartCause(err)
	}
	defer func() { _ = app.Stop(context.WithoutCancel(ctx)) }()
	if !grant && creds.IsConfiguredAdmin(email) {
		return false, ErrConfiguredAdmin
	}
	set := creds.RevokeRole
	if grant {
		set = creds.GrantRole
	}
	changed, err := set(ctx, email, role, credential.ByCLI)
	if errors.Is(err, user.ErrNotFound) {
		return false, ErrNoSuchAccount
	}
	return changed, err
}
