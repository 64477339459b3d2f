// Command bench load-tests the authd binary: it starts it on a fresh store on loopback, seeds users
// and sessions through the store adapter, drives every endpoint with test/load and prints a table
// of throughput, latency, errors, service CPU and Go heap against the machine's limits, measured in
// the same run: argon2id hashes per second on every core, and a bare JWT-verifying handler.
//
//	go run ./test/bench -service bin/authd [-users 1000000] [-mongo]
//
// make bench and make bench-mongo build the binaries and run it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// maxStep bounds every step, whatever -duration says.
const maxStep = 20 * time.Second

type options struct {
	service     string
	users       int
	baseline    int
	concurrency int
	duration    time.Duration
	requests    int
	logouts     int
	verifies    int
	mails       int
	limitTime   time.Duration
	mongo       bool
	logLevel    string
	profileDir  string
	keep        bool
	settle      time.Duration
	retries     int
	only        string
}

func main() {
	var o options
	flag.StringVar(&o.service, "service", "bin/authd", "the authd binary to measure")
	flag.IntVar(&o.users, "users", 1000, "users in the store; above -baseline, a round at -baseline users runs first for comparison")
	flag.IntVar(&o.baseline, "baseline", 1000, "users in the comparison round when -users is larger")
	flag.IntVar(&o.concurrency, "concurrency", 16, "concurrent clients in every step")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each step (at most 20s)")
	flag.IntVar(&o.requests, "requests", 500_000, "most requests a step sends")
	flag.IntVar(&o.logouts, "logouts", 60_000, "one-use sessions seeded for the logout step, which ends when they run out")
	// The courier handles a step's messages one at a time before the next measurement starts, and
	// on the embedded store each claim reads the whole outbox (2026-12-02: about 45 ms at 20,000
	// queued): the 25,000 of a 5 s step would take half an hour, 1,000 take seconds.
	flag.IntVar(&o.mails, "mails", 1000, "most requests each forgot-password step sends; each queues a message the courier delivers or drops before the next measurement")
	flag.IntVar(&o.verifies, "verifications", 60_000, "verification tokens seeded, each into an account of its own, for the verify-email step, which ends when they run out")
	flag.DurationVar(&o.limitTime, "limit-duration", 4*time.Second, "how long the argon2id ceiling is measured")
	flag.BoolVar(&o.mongo, "mongo", false, "run the service in MongoDB mode against FerretDB in a child process")
	flag.StringVar(&o.logLevel, "log-level", "info", "the service's AUTHD_LOG_LEVEL; info, the default, writes one access-log line per request")
	flag.StringVar(&o.profileDir, "profile", "", "save a CPU profile of the service for each step into this directory")
	flag.DurationVar(&o.settle, "settle", 30*time.Second, "before each measurement, wait up to this long for other work on the machine to pass")
	flag.IntVar(&o.retries, "retries", 2, "measure a step again, up to this many times, when other work took a share of the machine meanwhile")
	flag.StringVar(&o.only, "steps", "", "comma-separated step names to run (default every step), such as login,logout")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (store, logs) for a look afterwards")
	floorAddr := flag.String("serve-floor", "", "internal: serve the bare JWT-verify handler on this address")
	ferretDir := flag.String("serve-ferret", "", "internal: run FerretDB with its files in this directory")
	flag.Parse()

	var err error
	switch {
	case *floorAddr != "":
		err = serveFloor(*floorAddr, []byte(os.Getenv("AUTHD_JWT_SECRET")), issuer)
	case *ferretDir != "":
		err = serveFerret(*ferretDir)
	default:
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = run(ctx, o)
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.concurrency < 1 || o.users < 1 || o.duration <= 0 {
		return fmt.Errorf("-concurrency, -users and -duration must be positive")
	}
	if o.duration > maxStep {
		fmt.Printf("-duration %s is above the %s bound; using %s\n", o.duration, maxStep, maxStep)
		o.duration = maxStep
	}
	if o.limitTime > maxStep {
		o.limitTime = maxStep
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "authd-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	b := &bench{opts: o, dir: dir, secret: hex.EncodeToString(raw[:])}
	return b.run(ctx)
}
