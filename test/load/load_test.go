package load_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/authd/authd/adapters/argon2hash"
	"github.com/authd/authd/adapters/jwttoken"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/test/harness"
	"github.com/authd/authd/test/load"
)

// TestStepsRunWithoutErrors is a smoke run of every benchmark step against an in-process service:
// a few hundred requests, all of which must succeed, with every step run twice as the benchmark
// does when a neighbour disturbed a measurement. It asserts nothing about speed.
func TestStepsRunWithoutErrors(t *testing.T) {
	c := harness.Config(t)
	// Cheap hashes keep the race detector's run short; the steps exercise the same code either way.
	c.Argon2Memory, c.Argon2Time = 64, 1
	// Every worker registers and asks for mail from 127.0.0.1, and asks for the same few accounts'
	// mail, which the limits would rightly stop.
	c.RegisterMaxPerIP = 0
	c.Mail.MaxPerAccount, c.Mail.MaxPerIP, c.Mail.TokenFailures = 0, 0, 0
	var sessions credential.SessionStore
	svc := harness.Start(t, c, fx.Populate(&sessions))

	hasher, err := argon2hash.New(argon2hash.Params{Memory: uint32(c.Argon2Memory), Time: uint32(c.Argon2Time), Threads: uint8(c.Argon2Threads)})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := hasher.Hash(context.Background(), load.Password)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const workers, population, perStep, runs = 4, 50, 24, 2
	const logouts, verifications = perStep * runs, perStep * runs
	seeder := &load.Seeder{Users: svc.Users, Sessions: sessions, Hash: hash, Writers: 8}
	if err := seeder.Population(ctx, 0, population); err != nil {
		t.Fatal(err)
	}
	fixture, err := seeder.NewFixture(ctx, "smoke", population, workers, logouts, verifications)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := jwttoken.New(jwttoken.Config{Secret: []byte(harness.Secret), Issuer: c.JWTIssuer, Leeway: c.JWTLeeway})
	if err != nil {
		t.Fatal(err)
	}
	client := load.NewClient(svc.URL, workers)
	defer client.Close()

	// A generous time bound: the request bound is what ends each step, so every request is checked.
	opts := load.Options{Concurrency: workers, Duration: time.Minute, Requests: perStep, AccessTTL: c.AccessTTL}
	for _, p := range load.Steps(client, fixture, codec, opts) {
		for run := range runs {
			res, err := load.Run(ctx, p)
			if err != nil {
				t.Fatalf("%s: %v", p.Name, err)
			}
			if res.Errors != 0 || res.Requests != perStep {
				t.Errorf("%s, run %d: %d of %d requests answered, %d errors, e.g. %q", p.Name, run+1, res.Requests, perStep, res.Errors, res.Samples)
			}
		}
	}
}

// TestOneUseStepsStopWhenTheirPoolRunsOut checks that the steps spending one-use sessions (logout)
// and verification tokens (verify-email) send no more requests than there are, and that a run
// after the pool is spent ends at once instead of failing requests.
func TestOneUseStepsStopWhenTheirPoolRunsOut(t *testing.T) {
	c := harness.Config(t)
	c.Argon2Memory, c.Argon2Time = 64, 1
	var sessions credential.SessionStore
	svc := harness.Start(t, c, fx.Populate(&sessions))
	ctx := context.Background()
	seeder := &load.Seeder{Users: svc.Users, Sessions: sessions, Hash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", Writers: 4}
	const pool = 5
	fixture, err := seeder.NewFixture(ctx, "short", 0, 2, pool, pool)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := jwttoken.New(jwttoken.Config{Secret: []byte(harness.Secret), Issuer: c.JWTIssuer, Leeway: c.JWTLeeway})
	if err != nil {
		t.Fatal(err)
	}
	client := load.NewClient(svc.URL, 2)
	defer client.Close()
	for _, p := range load.Steps(client, fixture, codec, load.Options{Concurrency: 2, Duration: time.Minute, Requests: 100, AccessTTL: time.Minute}) {
		if p.Name != load.StepLogout && p.Name != load.StepVerifyEmail {
			continue
		}
		for run, want := range []int{pool, 0} {
			res, err := load.Run(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != want || res.Errors != 0 {
				t.Errorf("%s over a pool of %d, run %d: %d requests, %d errors (%q); want %d and 0", p.Name, pool, run+1, res.Requests, res.Errors, res.Samples, want)
			}
		}
	}
}
