package ferret_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/test/ferret"
)

func TestURIPrefersTheEnvironment(t *testing.T) {
	t.Setenv(ferret.EnvURI, "mongodb://db.example:27017/")
	if got := ferret.URI(t); got != "mongodb://db.example:27017/" {
		t.Fatalf("URI = %q", got)
	}
}

func TestDatabaseNamesAreFresh(t *testing.T) {
	a, b := ferret.Database(t), ferret.Database(t)
	if a == b {
		t.Fatalf("two calls returned %q", a)
	}
}

func TestStartServesUntilStopped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	uri, stop, err := ferret.Start(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(stop)
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(500 * time.Millisecond))
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer func() { _ = c.Disconnect(ctx) }()
	if err := c.Ping(ctx, nil); err != nil {
		t.Fatalf("Ping while running: %v", err)
	}
	stop()
	stop()
	if err := c.Ping(ctx, nil); err == nil {
		t.Fatal("Ping after stop succeeded")
	}
}
