package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/authd/authd/test/harness"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestMetricsCoverTheDecoratedPorts proves the decorators reach the core through fx: a login shows
// up as password hashing and as database operations, not only as an HTTP request.
func TestMetricsCoverTheDecoratedPorts(t *testing.T) {
	svc := harness.Start(t, harness.Config(t))
	api := client{t, svc.URL}
	api.do(http.MethodPost, "/api/v1/auth/register", "", map[string]string{
		"email": "metrics@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
		"first_name": "Met", "last_name": "Rics",
	})
	api.login("metrics@example.com")
	status, body := get(t, svc.URL+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d", status)
	}
	for _, want := range []string{
		`authd_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"} 1`,
		`authd_logins_total{outcome="success"} 1`,
		`authd_password_hash_duration_seconds_count{op="hash"}`,
		`authd_password_hash_duration_seconds_count{op="verify"}`,
		`authd_db_operation_duration_seconds_count{operation="by_email",store="users"}`,
		`authd_db_operation_duration_seconds_count{operation="open",store="sessions"}`,
		`authd_db_operation_duration_seconds_count{operation="update",store="attempts"}`,
		"go_goroutines", "process_resident_memory_bytes", `authd_build_info{goversion="go`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "metrics@example.com") {
		t.Error("/metrics mentions a user's email")
	}
}

func TestMetricsAddrMovesMetricsOffTheAPI(t *testing.T) {
	addr := freeAddr(t)
	c := harness.Config(t)
	c.MetricsAddr = addr
	svc := harness.Start(t, c)
	get(t, svc.URL+"/healthz")
	if status, _ := get(t, svc.URL+"/metrics"); status != http.StatusNotFound {
		t.Errorf("API /metrics with AUTHD_METRICS_ADDR set: %d, want 404", status)
	}
	status, body := get(t, "http://"+addr+"/metrics")
	if status != http.StatusOK || !strings.Contains(body, `authd_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("metrics listener: %d\n%s", status, body)
	}
}
