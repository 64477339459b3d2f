package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/app"
	"github.com/authd/authd/test/harness"
)

// TestAuditVerifyFindsAnEventEditedInTheStore is `authd audit verify` against a data file whose
// timeline someone with write access to it changed: a chain that verified stops verifying, and
// the report names the user and the event after the edit.
func TestAuditVerifyFindsAnEventEditedInTheStore(t *testing.T) {
	c := harness.Config(t)
	svc := harness.Start(t, c)
	for _, body := range []string{
		`{"email":"audit@example.com","password":"SecurePass123!","confirm_password":"SecurePass123!","first_name":"A","last_name":"B"}`,
	} {
		resp, err := http.Post(svc.URL+"/api/v1/auth/register", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("register: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	for range 2 {
		resp, err := http.Post(svc.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"audit@example.com","password":"SecurePass123!"}`))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("login: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	svc.Stop()

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out bytes.Buffer
	if err := app.VerifyTimelines(context.Background(), c, log, &out); err != nil {
		t.Fatalf("an untouched store: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "1 timelines, 3 events checked, 0 broken") {
		t.Fatalf("report = %q", out.String())
	}

	// An attacker rewrites the first login as coming from elsewhere.
	db, err := bolt.Open(filepath.Join(c.DataDir, "authd.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	edited := false
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("events"))
		return b.ForEach(func(k, v []byte) error {
			if !edited && bytes.Contains(v, []byte(`"kind":"login_succeeded"`)) {
				edited = true
				return b.Put(k, bytes.Replace(v, []byte(`"kind":"login_succeeded"`), []byte(`"kind":"login_failed"`), 1))
			}
			return nil
		})
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil || !edited {
		t.Fatalf("edit the store: %v (edited %v)", err, edited)
	}

	out.Reset()
	err = app.VerifyTimelines(context.Background(), c, log, &out)
	if !errors.Is(err, app.ErrTimelineBroken) {
		t.Fatalf("after an edit: err = %v, want ErrTimelineBroken\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "broken at event 3") || !strings.Contains(out.String(), "1 broken") {
		t.Fatalf("report = %q, want the break at the event after the edited one", out.String())
	}
}
