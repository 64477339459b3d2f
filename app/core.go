package app

import (
	"log/slog"

	"go.uber.org/fx"

	"github.com/authd/authd/adapters/argon2hash"
	"github.com/authd/authd/adapters/clock"
	"github.com/authd/authd/adapters/idgen"
	"github.com/authd/authd/adapters/jwttoken"
	"github.com/authd/authd/adapters/zxcvbnmeter"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// CoreModule builds the core services over the hashing, token, clock and id adapters.
var CoreModule = fx.Module("core",
	fx.Provide(
		fx.Annotate(func() clock.System { return clock.System{} }, fx.As(new(credential.Clock)), fx.As(new(user.Clock))),
		fx.Annotate(func() idgen.ObjectID { return idgen.ObjectID{} }, fx.As(new(credential.IDGenerator)), fx.As(new(user.IDGenerator))),
		fx.Annotate(newHasher, fx.As(new(credential.Hasher))),
		fx.Annotate(newTokenCodec, fx.As(fx.Self()), fx.As(new(credential.TokenCodec))),
		func() credential.Policy { return credential.NewPolicy(zxcvbnmeter.Meter{}) },
		func(c Config) credential.Config {
			return credential.Config{AccessTTL: c.AccessTTL, RefreshTTL: c.RefreshTTL, SessionMaxAge: c.SessionMaxAge, Throttle: credential.ThrottleConfig{
				LoginMaxFailures: c.LoginMaxFailures, LoginWindow: c.LoginWindow, IPMaxFailures: c.IPMaxFailures,
				RegisterMaxPerIP: c.RegisterMaxPerIP, RegisterWindow: c.RegisterWindow,
			}}
		},
		credential.NewService,
		user.NewService,
	),
)

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
