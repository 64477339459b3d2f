package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Many clients at once send a 2 MiB body, twice the limit: every one must read the documented
// 413, not a reset. The server has to take in what the client is still sending before it hangs up,
// or the client's kernel may discard the answer when the server's reset arrives.
func TestOversizedBodiesGet413UnderLoad(t *testing.T) {
	_, srv, err := start(t, config(t))
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("a"), 2<<20)
	// A fresh connection per request, as the first request of every client is: that is where a
	// reset would land.
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	const workers, rounds = 16, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				errs <- oversized(client, srv.URL(), body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			if failed <= 5 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d oversized requests did not read a 413", failed, workers*rounds)
	}
}

func oversized(client *http.Client, base string, body []byte) error {
	resp, err := client.Post(base+"/api/v1/auth/register", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read the 413: %w", err)
	}
	var p struct{ Detail, Code string }
	if resp.StatusCode != http.StatusRequestEntityTooLarge || json.Unmarshal(data, &p) != nil || p.Code != "body_too_large" {
		return fmt.Errorf("status %d, body %.200s; want 413 body_too_large", resp.StatusCode, data)
	}
	return nil
}
