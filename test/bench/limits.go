package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/adapters/argon2hash"
)

// argon2Ceiling measures how many hashes per second the machine manages at params with one hashing
// goroutine per core, the most a login or registration storm can get: each costs one hash.
// It also reports the CPU time this process spent per hash, a figure other work on the machine
// barely moves.
func argon2Ceiling(ctx context.Context, params argon2hash.Params, d time.Duration) (rate float64, cpuPerHash time.Duration, err error) {
	h, err := argon2hash.New(params)
	if err != nil {
		return 0, 0, err
	}
	cpu0, _ := cpuOf("self")
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if _, err := h.Hash(context.Background(), "ceiling-measure-Password-1"); err == nil {
					n.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	elapsed := time.Since(start)
	cpu1, _ := cpuOf("self")
	if n.Load() == 0 {
		return 0, 0, fmt.Errorf("argon2id: no hash finished in %s", d)
	}
	return float64(n.Load()) / elapsed.Seconds(), (cpu1 - cpu0) / time.Duration(n.Load()), nil
}

// floorClaims is the claim set authd's access tokens carry.
type floorClaims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
	TokenType string `json:"token_type"`
}

// floorHandler is the least any authenticated GET can do: verify an HS256 bearer token and answer a
// small JSON body. It checks what authd's token check does (algorithm, issuer, expiry, iat, kind)
// and nothing a database would tell.
func floorHandler(secret []byte, issuer string) http.Handler {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(5*time.Second),
	)
	key := func(*jwt.Token) (any, error) { return secret, nil }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /api/v1/users/me", func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var cl floorClaims
		if _, err := parser.ParseWithClaims(token, &cl, key); !ok || err != nil || cl.TokenType != "access" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"id": cl.Subject, "session": cl.SessionID})
	})
	return mux
}

// serveFloor is the benchmark's child process serving floorHandler on addr until SIGTERM, with the
// same server timeouts as authd.
func serveFloor(addr string, secret []byte, issuer string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: floorHandler(secret, issuer), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
	}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return fmt.Errorf("floor: %w", err)
	}
	return nil
}
