package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"go.uber.org/fx"

	"github.com/authd/authd/adapters/boltstore"
	"github.com/authd/authd/adapters/mongostore"
	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// ReadyFunc reports whether the store answers; /readyz calls it.
type ReadyFunc func(context.Context) error

// StorageResult is the chosen store, bound to the core ports.
type StorageResult struct {
	fx.Out
	Users    user.Store
	Lister   user.Lister
	Eraser   user.Eraser
	Sessions credential.SessionStore
	Attempts throttle.Store
	Outbox   mail.Outbox
	Timeline audit.Store
	Ready    ReadyFunc
}

// StorageModule opens MongoDB when a URI is configured, the embedded bbolt file otherwise.
var StorageModule = fx.Module("storage", fx.Provide(NewStorage))

// NewStorage opens the configured store and closes it when the app stops.
func NewStorage(lc fx.Lifecycle, c Config, log *slog.Logger) (StorageResult, error) {
	if c.MongoURI != "" {
		return openMongo(lc, c, log)
	}
	return openBolt(lc, c, log)
}

func openMongo(lc fx.Lifecycle, c Config, log *slog.Logger) (StorageResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.MongoTimeout+5*time.Second)
	defer cancel()
	// One bound for a request's wait on MongoDB, whether for a server or for its turn on a document.
	store, err := mongostore.Connect(ctx, mongostore.Config{
		URI: c.MongoURI, Database: c.MongoDatabase, ServerSelectionTimeout: c.MongoTimeout, RetryBudget: c.MongoTimeout,
		AttemptRetention: throttleConfig(c).Retention(),
	})
	if err != nil {
		return StorageResult{}, fmt.Errorf("connect to MongoDB: %w", err)
	}
	log.Info("storage: MongoDB", "database", c.MongoDatabase)
	lc.Append(fx.Hook{OnStop: store.Close})
	return StorageResult{Users: store.Users(), Lister: store.Users(), Eraser: store.Users(), Sessions: store.Sessions(), Attempts: store.Attempts(), Outbox: store.Outbox(), Timeline: store.Timeline(), Ready: store.Ping}, nil
}

func openBolt(lc fx.Lifecycle, c Config, log *slog.Logger) (StorageResult, error) {
	path := filepath.Join(c.DataDir, "authd.db")
	db, err := boltstore.Open(path)
	if err != nil {
		return StorageResult{}, err
	}
	log.Info("storage: embedded bbolt", "path", path)
	sweep := newSweeper(db, log, throttleConfig(c).Retention())
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { sweep.start(); return nil },
		OnStop: func(context.Context) error {
			sweep.stop()
			return db.Close()
		},
	})
	return StorageResult{Users: db.Users(), Lister: db.Users(), Eraser: db.Users(), Sessions: db.Sessions(), Attempts: db.Attempts(), Outbox: db.Outbox(), Timeline: db.Timeline(), Ready: db.Ping}, nil
}

// sweeper deletes long-expired sessions and stale throttling counters from the embedded store,
// which has no TTL index.
type sweeper struct {
	db        *boltstore.DB
	log       *slog.Logger
	retention time.Duration // of throttling counters, see throttle.Config.Retention
	done      chan struct{}
	stopped   chan struct{}
}

func newSweeper(db *boltstore.DB, log *slog.Logger, retention time.Duration) *sweeper {
	return &sweeper{db: db, log: log, retention: retention, done: make(chan struct{}), stopped: make(chan struct{})}
}

func (s *sweeper) start() {
	go func() {
		defer close(s.stopped)
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				s.sweep()
			}
		}
	}()
}

func (s *sweeper) stop() {
	close(s.done)
	<-s.stopped
}

func (s *sweeper) sweep() {
	ctx := context.Background()
	// An hour of grace keeps expired sessions around for a late "why was I logged out" look.
	if n, err := s.db.Sessions().DeleteExpired(ctx, time.Now().Add(-time.Hour)); err != nil {
		s.log.Warn("session sweep failed", "error", err.Error())
	} else if n > 0 {
		s.log.Info("swept expired sessions", "count", n)
	}
	if n, err := s.db.Attempts().DeleteBefore(ctx, time.Now().Add(-s.retention)); err != nil {
		s.log.Warn("attempt sweep failed", "error", err.Error())
	} else if n > 0 {
		s.log.Info("swept throttling counters", "count", n)
	}
}
