package app_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestPprofRefusesNonLoopbackAddresses(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:0", "example.com:0", "no-port"} {
		c := config(t)
		c.PprofAddr = addr
		if _, _, err := start(t, c); err == nil {
			t.Errorf("AUTHD_PPROF_ADDR=%q: started", addr)
		}
	}
}

func TestPprofServesMemstatsOnLoopback(t *testing.T) {
	addr := freeAddr(t)
	c := config(t)
	c.PprofAddr = addr
	if _, _, err := start(t, c); err != nil {
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
	if _, _, err := start(t, c); err != nil {
		t.Fatal(err)
	}
}
