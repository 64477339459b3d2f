package crash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/adapters/boltstore"
	"github.com/authd/authd/core/user"
)

const password = "SecurePass123!"

// call sends a JSON body (none when body is "") and returns the status (0 when no answer came)
// and the decoded answer.
func call(method, url, bearer, body string) (int, map[string]any) {
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.18.%d.%d", rand.IntN(256), rand.IntN(256)))
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestDeletionsSurviveSIGKILL: clients register, log in and delete their accounts while the
// service is killed at several moments. Afterwards every deletion the service acknowledged holds
// (the account can't log in, its token fails, its address can register again), and what a kill
// between the deletion's write and its erasure left is what Deleted lists and Erase removes:
// no account is ever half-deleted and able to log in.
func TestDeletionsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the service binary")
	}
	svc := newService(t)
	svc.start(t)
	t.Cleanup(func() {
		if svc.cmd.ProcessState == nil {
			svc.kill(t)
		}
	})
	base := "http://" + svc.addr

	type account struct{ email, id, access string }
	var (
		mu      sync.Mutex
		deleted []account
		n       atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				email := fmt.Sprintf("gone%d@example.com", n.Add(1))
				if s, _ := call(http.MethodPost, base+"/api/v1/auth/register", "", fmt.Sprintf(
					`{"email":%q,"password":%q,"confirm_password":%q,"first_name":"G","last_name":"One"}`, email, password, password)); s != http.StatusCreated {
					continue
				}
				s, pair := call(http.MethodPost, base+"/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
				if s != http.StatusOK {
					continue
				}
				access, _ := pair["access_token"].(string)
				s, me := call(http.MethodGet, base+"/api/v1/users/me", access, "")
				if s != http.StatusOK {
					continue
				}
				id, _ := me["id"].(string)
				if s, _ := call(http.MethodDelete, base+"/api/v1/users/me", access, fmt.Sprintf(`{"current_password":%q}`, password)); s == http.StatusNoContent {
					mu.Lock()
					deleted = append(deleted, account{email, id, access})
					mu.Unlock()
				}
			}
		}()
	}
	for i := range 4 {
		time.Sleep(time.Duration(300+250*i) * time.Millisecond) // a different moment each time
		svc.kill(t)
		svc.start(t)
	}
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	// Killed once more, so that what the last deletions left is left for the check below.
	svc.kill(t)
	if len(deleted) == 0 {
		t.Fatal("no deletion was acknowledged: nothing is proven")
	}

	db, err := boltstore.Open(filepath.Join(svc.dataDir, "authd.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	left, err := db.Users().Deleted(ctx, time.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range deleted {
		if _, err := db.Users().ByEmail(ctx, a.email); !errors.Is(err, user.ErrNotFound) {
			t.Errorf("%s, whose deletion was acknowledged: ByEmail %v, want ErrNotFound", a.email, err)
		}
	}
	for _, id := range left {
		if err := db.Users().Erase(ctx, id); err != nil {
			t.Errorf("Erase %s after the kill: %v", id, err)
		}
	}
	if again, err := db.Users().Deleted(ctx, time.Now().Add(time.Hour), 1000); err != nil || len(again) != 0 {
		t.Errorf("after erasing what the kills left: Deleted %v, %v; want none", again, err)
	}
	for _, a := range deleted {
		if sessions, err := db.Sessions().ByUser(ctx, a.id, time.Now()); err != nil || len(sessions) != 0 {
			t.Errorf("%s keeps %d sessions after its erasure (%v)", a.email, len(sessions), err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d deletions acknowledged across 4 kills; %d left for the sweep to erase", len(deleted), len(left))

	svc.start(t)
	for _, a := range deleted[:min(len(deleted), 20)] {
		if s, _ := call(http.MethodPost, base+"/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, a.email, password)); s != http.StatusUnauthorized {
			t.Errorf("%s logs in with status %d after its acknowledged deletion, want 401", a.email, s)
		}
		if s, _ := call(http.MethodGet, base+"/api/v1/users/me", a.access, ""); s != http.StatusUnauthorized {
			t.Errorf("%s's token answers %d after its acknowledged deletion, want 401", a.email, s)
		}
		if s, _ := call(http.MethodPost, base+"/api/v1/auth/register", "", fmt.Sprintf(
			`{"email":%q,"password":%q,"confirm_password":%q,"first_name":"G","last_name":"Two"}`, a.email, password, password)); s != http.StatusCreated {
			t.Errorf("%s registers again with status %d, want 201", a.email, s)
		}
	}
}
