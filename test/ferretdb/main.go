// Command ferretdb runs FerretDB (SQLite backend) as a MongoDB-compatible server for the container
// acceptance suite, built FROM scratch because no registry is reachable to pull an image. Clients
// reach FerretDB through a wireproxy that lets one write command through at a time, giving back
// the single-document atomicity MongoDB guarantees and FerretDB 1.x lacks (see test/ferret).
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"

	"github.com/authd/authd/test/wireproxy"
)

func main() {
	addr := flag.String("listen", "0.0.0.0:27017", "address to listen on")
	dir := flag.String("data", "/data", "directory for the SQLite files")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		log.Fatal(err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir + "/",
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	backend, err := url.Parse(f.MongoDBURI())
	if err != nil {
		log.Fatal(err)
	}
	proxy, err := wireproxy.Listen(*addr, backend.Host)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("ferretdb listening on %s (writes one at a time), data in %s", *addr, *dir)
	<-ctx.Done()
	_ = proxy.Close()
	if err := <-done; err != nil {
		log.Fatal(err)
	}
}
