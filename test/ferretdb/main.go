// Command ferretdb runs FerretDB (SQLite backend) as a MongoDB-compatible server for the container
// acceptance suite, built FROM scratch because no registry is reachable to pull an image.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen", "0.0.0.0:27017", "address to listen on")
	dir := flag.String("data", "/data", "directory for the SQLite files")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		log.Fatal(err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir + "/",
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log.Printf("ferretdb listening on %s, data in %s", *addr, *dir)
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
