// Package ferret gives tests and local tools a MongoDB-compatible server without installing one:
// an in-process FerretDB on SQLite behind a wireproxy, or the server named by AUTHD_TEST_MONGODB_URI.
//
// FerretDB 1.x applies a conditional write as a find followed by a write by _id, so two writers
// filtering on the same version can both match; MongoDB changes one document atomically, and the
// store adapters rely on exactly that. The proxy lets one write command reach FerretDB at a time,
// which gives back that guarantee without the adapters knowing.
package ferret

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/test/wireproxy"
)

// EnvURI names the environment variable that points tests at a real MongoDB instead of FerretDB.
const EnvURI = "AUTHD_TEST_MONGODB_URI"

// Start runs a FerretDB that keeps its SQLite files in dir, an existing directory, behind a
// wireproxy that serialises its writes, until stop is called or ctx ends. stop waits for the server to shut down, which takes up to three seconds
// while clients stay connected (FerretDB's grace period for them), and may be called more than once.
func Start(ctx context.Context, dir string) (uri string, stop func(), err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, fmt.Errorf("ferret: %w", err)
	}
	// FerretDB wants a file: URI naming a directory, which it recognises by the trailing slash.
	sqlite := (&url.URL{Scheme: "file", Path: abs + "/"}).String()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: sqlite,
		// FerretDB logs every connection at Info and dumps every error reply at Warn, including
		// the ones tests provoke on purpose; none of it helps read a test's output.
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return "", nil, fmt.Errorf("ferret: start: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(runCtx)
	}()
	backend, err := url.Parse(f.MongoDBURI())
	if err != nil {
		cancel()
		<-done
		return "", nil, fmt.Errorf("ferret: %w", err)
	}
	proxy, err := wireproxy.Listen("127.0.0.1:0", backend.Host)
	if err != nil {
		cancel()
		<-done
		return "", nil, fmt.Errorf("ferret: %w", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = proxy.Close()
			cancel()
			<-done
		})
	}
	context.AfterFunc(ctx, stop)
	return (&url.URL{Scheme: "mongodb", Host: proxy.Addr(), Path: "/"}).String(), stop, nil
}

var shared struct {
	once sync.Once
	uri  string
	err  error
}

// URI returns the MongoDB URI tests should use: AUTHD_TEST_MONGODB_URI when set, otherwise that of a
// FerretDB started on first use and shared by the whole test binary.
func URI(t testing.TB) string {
	t.Helper()
	if uri := os.Getenv(EnvURI); uri != "" {
		return uri
	}
	shared.once.Do(func() {
		// Not t.TempDir: the server outlives the test that happens to start it.
		dir, err := os.MkdirTemp("", "authd-ferret-")
		if err != nil {
			shared.err = fmt.Errorf("ferret: %w", err)
			return
		}
		shared.uri, _, shared.err = Start(context.Background(), dir)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.uri
}

// Database returns a database name no other call has returned, so tests never see each other's
// data, and drops that database when t ends.
func Database(t testing.TB) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "authdtest_" + hex.EncodeToString(b[:])
	uri := URI(t)
	t.Cleanup(func() {
		if err := drop(uri, name); err != nil {
			t.Logf("ferret: drop %s: %v", name, err)
		}
	})
	return name
}

func drop(uri, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return err
	}
	defer func() { _ = c.Disconnect(ctx) }()
	return c.Database(name).Drop(ctx)
}
