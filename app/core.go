package app

import (
	"log/slog"

	"go.uber.org/fx"

	"github.com/authd/authd/adapters/argon2hash"
	"github.com/authd/authd/adapters/clock"
	"github.com/authd/authd/adapters/idgen"
	"github.com/authd/authd/adapters/jwttoken"
	"github.com/authd/authd/adapters/zxcvbnmeter"
	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// CoreModule builds the core services over the hashing, token, clock and id adapters.
var CoreModule = fx.Module("core",
	fx.Provide(
		fx.Annotate(func() clock.System { return clock.System{} }, fx.As(new(credential.Clock)), fx.As(new(throttle.Clock)), fx.As(new(mail.Clock))),
		fx.Annotate(func() idgen.ObjectID { return idgen.ObjectID{} }, fx.As(new(credential.IDGenerator))),
		fx.Annotate(newHasher, fx.As(new(credential.Hasher))),
		fx.Annotate(newTokenCodec, fx.As(fx.Self()), fx.As(new(credential.TokenCodec))),
		newCredentials,
		user.NewService,
	),
	fx.Provide(
		fx.Private,
		newThrottle,
		func() credential.Policy { return credential.NewPolicy(zxcvbnmeter.Meter{}) },
	),
)

// throttleConfig is the throttling part of c.
func throttleConfig(c Config) throttle.Config {
	return throttle.Config{
		LoginMaxFailures: c.LoginMaxFailures, LoginWindow: c.LoginWindow, IPMaxFailures: c.IPMaxFailures,
		RegisterMaxPerIP: c.RegisterMaxPerIP, RegisterWindow: c.RegisterWindow,
		MailMaxPerAccount: c.Mail.MaxPerAccount, MailMaxPerIP: c.Mail.MaxPerIP, MailWindow: c.Mail.Window,
		TokenMaxFailures: c.Mail.TokenFailures,
	}
}

func newThrottle(c Config, store throttle.Store, clk throttle.Clock) *throttle.Throttle {
	return throttle.New(store, clk, throttleConfig(c))
}

// CredentialParams is what the credential service is built from.
type CredentialParams struct {
	fx.In
	Config   Config
	Users    user.Store
	Lister   user.Lister
	Eraser   user.Eraser
	Sessions credential.SessionStore
	Throttle *throttle.Throttle
	Hasher   credential.Hasher
	Policy   credential.Policy
	Tokens   credential.TokenCodec
	Clock    credential.Clock
	IDs      credential.IDGenerator
	Outbox   mail.Outbox
	Bell     *mail.Bell
	Timeline audit.Store
	Log      *slog.Logger
}

func newCredentials(p CredentialParams) *credential.Service {
	admins, _ := p.Config.adminEmails() // validated with the rest of the configuration
	return credential.NewService(credential.Deps{
		Users: p.Users, Lister: p.Lister, Eraser: p.Eraser, Sessions: p.Sessions, Throttle: p.Throttle, Hasher: p.Hasher, Policy: p.Policy,
		Tokens: p.Tokens, Clock: p.Clock, IDs: p.IDs, Outbox: p.Outbox, Queued: p.Bell.Ring, Timeline: p.Timeline,
		OnAuditError: func(err error) { p.Log.Warn("background work of a request failed", "error", err.Error()) },
		Config: credential.Config{
			AccessTTL: p.Config.AccessTTL, RefreshTTL: p.Config.RefreshTTL, SessionMaxAge: p.Config.SessionMaxAge,
			RefreshGrace: p.Config.RefreshGrace, KeepDevice: p.Config.SessionClient == "on",
			ResetTTL: p.Config.Mail.ResetTTL, VerifyTTL: p.Config.Mail.VerifyTTL, EmailChangeTTL: p.Config.Mail.EmailChangeTTL,
			AdminEmails: admins, ExportMaxPerHour: p.Config.ExportMaxPerHour,
		},
	})
}

func newHasher(c Config) (*argon2hash.Hasher, error) {
	return argon2hash.New(argon2hash.Params{Memory: uint32(c.Argon2Memory), Time: uint32(c.Argon2Time), Threads: uint8(c.Argon2Threads)})
}

func newTokenCodec(c Config, clk credential.Clock, log *slog.Logger) (*jwttoken.Codec, error) {
	cfg := jwttoken.Config{Alg: c.JWTAlg, Issuer: c.JWTIssuer, Leeway: c.JWTLeeway, Now: clk.Now}
	var err error
	if c.JWTAlg == jwttoken.EdDSA {
		cfg.Keys, err = signingKeys(c, log, clk.Now())
	} else {
		cfg.Secret, err = signingSecret(c, log)
	}
	if err != nil {
		return nil, err
	}
	return jwttoken.New(cfg)
}
