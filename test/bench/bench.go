package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authd/authd/adapters/argon2hash"
	"github.com/authd/authd/adapters/jwttoken"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/test/load"
	"github.com/authd/authd/test/smtpd"
)

// issuer and accessTTL are the service's defaults, which the benchmark runs with.
const (
	issuer    = "authd"
	accessTTL = 30 * time.Minute
)

// params are the argon2id parameters the service ships with (AUTHD_ARGON2_*), set explicitly so
// seeded hashes and the ceiling use exactly what the service verifies with.
var params = argon2hash.OWASP

type bench struct {
	opts   options
	dir    string
	secret string
	self   string
	db     database
	dbProc *process // FerretDB in MongoDB mode, whose CPU counts as the database's
	// mail takes the service's mail in this process, so that none is written to disk meanwhile.
	mail *smtpd.Server
}

type round struct {
	users    int
	seeded   int
	seedTime time.Duration
	argon2   float64
	// argon2Other is how many cores other work took while the ceiling was measured.
	argon2Other float64
	// argon2CPU is the CPU time one hash took while the ceiling was measured.
	argon2CPU  time.Duration
	floor      stepResult
	steps      []stepResult
	storeBytes int64
}

func (b *bench) run(ctx context.Context) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	b.self = self
	if _, err := os.Stat(b.opts.service); err != nil {
		return fmt.Errorf("service binary: %w (make bench builds it)", err)
	}
	hasher, err := argon2hash.New(params)
	if err != nil {
		return err
	}
	// The one hash every seeded user shares: seeding a million users must not mean a million hashes.
	hash, err := hasher.Hash(context.Background(), load.Password)
	if err != nil {
		return err
	}
	codec, err := jwttoken.New(jwttoken.Config{Secret: []byte(b.secret), Issuer: issuer, Leeway: 5 * time.Second})
	if err != nil {
		return err
	}
	if b.mail, err = smtpd.Listen(smtpd.Options{}); err != nil {
		return err
	}
	defer b.mail.Close()
	if b.opts.mongo {
		stop, err := b.startFerret(ctx)
		if err != nil {
			return err
		}
		defer stop()
	} else {
		b.db = boltDB{dir: filepath.Join(b.dir, "data")}
	}
	printMachine(os.Stdout, b)

	sizes := []int{b.opts.users}
	if b.opts.users > b.opts.baseline {
		sizes = []int{b.opts.baseline, b.opts.users}
	}
	var rounds []round
	seeded := 0
	for i, n := range sizes {
		r, err := b.round(ctx, i+1, seeded, n, hash, codec)
		if err != nil {
			return err
		}
		seeded = n
		printRound(os.Stdout, b, r)
		rounds = append(rounds, r)
	}
	if len(rounds) > 1 {
		printGrowth(os.Stdout, rounds[0], rounds[len(rounds)-1])
	}
	return nil
}

// round seeds the store up to users, starts the service, measures the limits with it idle, then
// runs every step.
func (b *bench) round(ctx context.Context, n, from, users int, hash string, codec credential.TokenCodec) (round, error) {
	r := round{users: users, seeded: users - from}
	seeder, closeStore, err := b.db.open(ctx, hash)
	if err != nil {
		return r, fmt.Errorf("open store for seeding: %w", err)
	}
	began := time.Now()
	err = seeder.Population(ctx, from, users)
	r.seedTime = time.Since(began)
	var fixture *load.Fixture
	if err == nil {
		progress("round %d: seeded %d users in %s (%.0f users/s)", n, r.seeded, r.seedTime.Round(time.Millisecond), float64(r.seeded)/r.seedTime.Seconds())
		fixture, err = seeder.NewFixture(ctx, fmt.Sprintf("r%d", n), users, b.opts.concurrency, b.opts.logouts, b.opts.verifies)
	}
	if cerr := closeStore(); err == nil {
		err = cerr
	}
	if err != nil {
		return r, fmt.Errorf("seed: %w", err)
	}
	if info, err := os.Stat(filepath.Join(b.dir, "data", "authd.db")); err == nil {
		r.storeBytes = info.Size()
	}

	svc, err := b.startService(ctx)
	if err != nil {
		return r, err
	}
	defer func() {
		if err := svc.stop(20 * time.Second); err != nil {
			progress("%v", err)
		}
	}()

	progress("round %d: argon2id ceiling (%s, service idle)", n, b.opts.limitTime)
	if err := b.ceiling(ctx, &r, svc); err != nil {
		return r, err
	}
	opts := load.Options{Concurrency: b.opts.concurrency, Duration: b.opts.duration, Requests: b.opts.requests, AccessTTL: accessTTL, Mails: b.opts.mails}
	if r.floor, err = b.floor(ctx, fixture, codec, opts); err != nil {
		return r, err
	}
	client := load.NewClient(svc.url, b.opts.concurrency)
	defer client.Close()
	for _, p := range load.Steps(client, fixture, codec, opts) {
		if b.opts.only != "" && !slices.Contains(strings.Split(b.opts.only, ","), p.Name) {
			continue
		}
		res, err := b.leastDisturbed(ctx, p, svc)
		if err != nil {
			return r, err
		}
		progress("round %d: %-16s %8.1f req/s  p99 %s  errors %d", n, p.Name, res.Rate(), ms(res.P99), res.Errors)
		r.steps = append(r.steps, res)
	}
	return r, nil
}

// ceiling measures the argon2id ceiling into r, again while other work took a share of the machine.
func (b *bench) ceiling(ctx context.Context, r *round, svc *process) error {
	for attempt := 0; ; attempt++ {
		b.settle(ctx, svc)
		busy0, _ := machineBusy()
		self0, _ := cpuOf("self")
		began := time.Now()
		rate, cpu, err := argon2Ceiling(ctx, params, b.opts.limitTime)
		if err != nil {
			return err
		}
		busy1, _ := machineBusy()
		self1, _ := cpuOf("self")
		other := max(0, (busy1-busy0-(self1-self0)).Seconds()/time.Since(began).Seconds())
		if attempt == 0 || other < r.argon2Other {
			r.argon2, r.argon2CPU, r.argon2Other = rate, cpu, other
		}
		if other < quietCores || attempt >= b.opts.retries {
			return nil
		}
		progress("argon2id ceiling: other work took %.2f cores; measuring again", other)
	}
}

// leastDisturbed measures p until other work on the machine took less than quietCores meanwhile,
// at most 1+retries times, and keeps the least disturbed attempt; its errors are those of every attempt.
func (b *bench) leastDisturbed(ctx context.Context, p load.Plan, target *process) (stepResult, error) {
	var best stepResult
	errs := 0
	var samples []string
	for attempt := 0; ; attempt++ {
		b.settle(ctx, target)
		res, err := b.measure(ctx, p, target)
		if err != nil {
			return res, err
		}
		res.mail = b.drain(ctx, target)
		errs += res.Errors
		for _, msg := range res.Samples {
			if len(samples) < 3 && !slices.Contains(samples, msg) {
				samples = append(samples, msg)
			}
		}
		// An attempt that found its one-use sessions spent measured nothing.
		if attempt == 0 || res.Requests > 0 && res.otherCores() < best.otherCores() {
			best = res
		}
		if res.otherCores() < quietCores || res.Requests == 0 || attempt >= b.opts.retries {
			break
		}
		progress("%s: other work took %.2f cores; measuring again", p.Name, res.otherCores())
	}
	best.Errors, best.Samples = errs, samples
	return best, nil
}

// floor runs GET /users/me against the bare JWT-verify handler in a child process of its own.
func (b *bench) floor(ctx context.Context, f *load.Fixture, codec credential.TokenCodec, opts load.Options) (stepResult, error) {
	addr, err := freeAddr()
	if err != nil {
		return stepResult{}, err
	}
	p, err := start("JWT floor", []string{b.self, "-serve-floor", addr}, []string{"AUTHD_JWT_SECRET=" + b.secret}, filepath.Join(b.dir, "floor.log"), nil)
	if err != nil {
		return stepResult{}, err
	}
	defer func() { _ = p.stop(5 * time.Second) }()
	p.url = "http://" + addr
	if err := p.waitHealthy(ctx, p.url+"/healthz", 10*time.Second); err != nil {
		return stepResult{}, err
	}
	client := load.NewClient(p.url, opts.Concurrency)
	defer client.Close()
	res, err := b.leastDisturbed(ctx, load.MePlan("JWT-verify floor", client, f, codec, opts), p)
	if err == nil {
		progress("JWT-verify floor: %.0f req/s  p99 %s  errors %d", res.Rate(), ms(res.P99), res.Errors)
	}
	return res, err
}

func (b *bench) startService(ctx context.Context) (*process, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	debugAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := append([]string{
		"AUTHD_HTTP_ADDR=" + addr,
		"AUTHD_PPROF_ADDR=" + debugAddr,
		"AUTHD_JWT_SECRET=" + b.secret,
		"AUTHD_JWT_ISSUER=" + issuer,
		"AUTHD_ACCESS_TOKEN_TTL=" + accessTTL.String(),
		"AUTHD_LOG_LEVEL=" + b.opts.logLevel,
		"AUTHD_ARGON2_MEMORY_KIB=" + strconv.Itoa(int(params.Memory)),
		"AUTHD_ARGON2_TIME=" + strconv.Itoa(int(params.Time)),
		"AUTHD_ARGON2_THREADS=" + strconv.Itoa(int(params.Threads)),
		// Every client of the benchmark is 127.0.0.1, which the per-address registration limit would
		// stop after a handful; the limit is for the internet, not for a load test.
		"AUTHD_REGISTER_MAX_PER_IP=0",
		// Mail goes to the bench's own SMTP server, not to files in the data directory. Its limits
		// are off for the same reason as the registration limit, and because forgot-password asks
		// for the same thousand accounts' mail thousands of times a second.
		"AUTHD_SMTP_URL=smtp://" + b.mail.Addr() + "?tls=none",
		"AUTHD_MAIL_MAX_PER_ACCOUNT=0",
		"AUTHD_MAIL_MAX_PER_IP=0",
		"AUTHD_TOKEN_MAX_FAILURES=0",
	}, b.db.env()...)
	p, err := start("authd", []string{b.opts.service}, env, filepath.Join(b.dir, "authd.log"), nil)
	if err != nil {
		return nil, err
	}
	p.url, p.debug = "http://"+addr, "http://"+debugAddr
	if err := p.waitHealthy(ctx, p.url+"/readyz", 60*time.Second); err != nil {
		_ = p.stop(5 * time.Second)
		return nil, err
	}
	// Not every build of the service serves AUTHD_PPROF_ADDR; without it the heap column stays empty.
	if _, err := heapInuse(&http.Client{Timeout: time.Second}, p.debug); err != nil {
		progress("no memstats from the service (%v); heap not measured", err)
		p.debug = ""
	}
	if _, err := mailQueued(&http.Client{Timeout: 5 * time.Second}, p.url+"/metrics"); err != nil {
		progress("no outbox backlog from the service (%v); a step's mail may be delivered during the next", err)
	} else {
		p.metrics = p.url + "/metrics"
	}
	return p, nil
}

func (b *bench) startFerret(ctx context.Context) (stop func(), err error) {
	dir := filepath.Join(b.dir, "ferret")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	p, err := start("FerretDB", []string{b.self, "-serve-ferret", dir}, nil, filepath.Join(b.dir, "ferret.log"), pw)
	pw.Close()
	if err != nil {
		return nil, err
	}
	uri, err := firstLine(pr, 30*time.Second)
	if err != nil {
		_ = p.stop(5 * time.Second)
		return nil, fmt.Errorf("FerretDB: %w: %s", err, p.tail())
	}
	b.db, b.dbProc = mongoDB{uri: uri}, p
	return func() { _ = p.stop(10 * time.Second) }, ctx.Err()
}

// serviceVersion asks the binary for its version line.
func serviceVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// sourceRevision names the commit of the checkout the service binary was built in (bin/authd sits
// inside it), when there is one.
func sourceRevision(service string) string {
	abs, err := filepath.Abs(service)
	if err != nil {
		return "unknown"
	}
	out, err := exec.Command("git", "-C", filepath.Dir(abs), "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "  "+format+"\n", args...)
}
