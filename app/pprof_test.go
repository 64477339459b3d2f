package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/authd/authd/app"
)

func startWithPprof(t *testing.T, c app.Config) error {
	t.Helper()
	a := fx.New(app.ModuleWithLogger(c, slog.New(slog.DiscardHandler)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		return err
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	return nil
}

func TestPprofRefusesNonLoopbackAddresses(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:0", "example.com:0", "no-port"} {
		c := config(t)
		c.PprofAddr = addr
		if err := startWithPprof(t, c); err == nil {
			t.Errorf("AUTHD_PPROF_ADDR=%q: started", addr)
		}
	}
}

func TestPprofServesMemstatsOnLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := config(t)
	c.PprofAddr = addr
	if err := startWithPprof(t, c); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/vars")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var vars struct {
		Memstats struct{ HeapInuse uint64 } `json:"memstats"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil || vars.Memstats.HeapInuse == 0 {
		t.Errorf("/debug/vars: %v, heap in use %d", err, vars.Memstats.HeapInuse)
	}
}

func TestPprofIsOffByDefault(t *testing.T) {
	c := config(t)
	if c.PprofAddr != "" {
		t.Fatalf("default AUTHD_PPROF_ADDR = %q, want off", c.PprofAddr)
	}
	if err := startWithPprof(t, c); err != nil {
		t.Fatal(err)
	}
}
