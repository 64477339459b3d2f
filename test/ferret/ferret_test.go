package ferret_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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

// TestConditionalWritesAreAtomic is the guarantee the store adapters build on: of writers racing
// to replace one version of a document, exactly one matches. FerretDB alone loses it.
func TestConditionalWritesAreAtomic(t *testing.T) {
	ctx := context.Background()
	c, err := mongo.Connect(options.Client().ApplyURI(ferret.URI(t)))
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer func() { _ = c.Disconnect(ctx) }()
	coll := c.Database(ferret.Database(t)).Collection("race")
	writes := map[string]func(round, version int) (bool, error){
		"updateOne": func(round, version int) (bool, error) {
			res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: round}, {Key: "v", Value: version}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}})
			return err == nil && res.ModifiedCount == 1, err
		},
		"findOneAndUpdate": func(round, version int) (bool, error) {
			err := coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: round}, {Key: "v", Value: version}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}).Err()
			if errors.Is(err, mongo.ErrNoDocuments) {
				return false, nil
			}
			return err == nil, err
		},
	}
	round := 0
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			for range 10 {
				round++
				if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: round}, {Key: "v", Value: 0}}); err != nil {
					t.Fatalf("InsertOne: %v", err)
				}
				var wins atomic.Int32
				var wg sync.WaitGroup
				for range 8 {
					wg.Go(func() {
						won, err := write(round, 0)
						if err != nil {
							t.Error(err)
						}
						if won {
							wins.Add(1)
						}
					})
				}
				wg.Wait()
				if n := wins.Load(); n != 1 {
					t.Fatalf("round %d: %d writers replaced version 0, want 1", round, n)
				}
			}
		})
	}
}
