package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
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

// rawExchange writes req on a new connection and returns everything the server sent, and whether
// it closed the connection within a few seconds.
func rawExchange(t *testing.T, addr net.Addr, req string) (got string, closed bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(c)
	return string(data), err == nil
}

// A request whose framing a proxy in front may read differently must be the last on its
// connection (RFC 9112 §6.1): what follows it is never answered as a request of its own.
func TestAmbiguousFramingIsTheLastRequestOnItsConnection(t *testing.T) {
	_, srv, err := start(t, config(t))
	if err != nil {
		t.Fatal(err)
	}
	const smuggled = "GET /api/v1/zz-smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	for name, req := range map[string]string{
		// A front end that goes by Content-Length forwards all 5+len(smuggled) bytes as one body.
		"Content-Length and chunked": fmt.Sprintf("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
			"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 5+len(smuggled)) + smuggled,
		"chunked alone": "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
		// net/http ignores Transfer-Encoding in HTTP/1.0 and frames by Content-Length: 0.
		"HTTP/1.0 with Transfer-Encoding": "POST /api/v1/auth/login HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n" +
			"Content-Type: application/json\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled,
	} {
		got, closed := rawExchange(t, srv.Addr(), req)
		if n := strings.Count(got, "HTTP/1."); n != 1 || !closed {
			t.Errorf("%s: %d responses, connection closed: %v; want 1 and closed:\n%s", name, n, closed, got)
		}
		if strings.Contains(got, "404") || !strings.Contains(strings.ToLower(got), "\r\nconnection: close\r\n") {
			t.Errorf("%s: the answer must say Connection: close and the smuggled request must get none:\n%s", name, got)
		}
	}
	// A plain request keeps its connection: the close is for ambiguous framing only.
	plain := "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	if got, _ := rawExchange(t, srv.Addr(), plain); strings.Count(got, "HTTP/1.1 200") != 2 {
		t.Errorf("two pipelined plain requests: want two 200s, got:\n%s", got)
	}
}
