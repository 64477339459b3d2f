package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/authd/authd/app"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := app.LoadConfig(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.DataDir != "./data" || c.MongoDatabase != "authd" ||
		c.AccessTTL != 30*time.Minute || c.RefreshTTL != 7*24*time.Hour || c.Argon2Memory != 19456 {
		t.Errorf("defaults = %+v", c)
	}
}

func TestLoadConfigEnvAndFlags(t *testing.T) {
	t.Parallel()
	c, err := app.LoadConfig([]string{"--access-token-ttl=10m"}, env(map[string]string{
		"AUTHD_ACCESS_TOKEN_TTL": "5m", "AUTHD_HTTP_ADDR": "127.0.0.1:9999", "AUTHD_MONGODB_DATABASE": "x",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessTTL != 10*time.Minute || c.HTTPAddr != "127.0.0.1:9999" || c.MongoDatabase != "x" {
		t.Errorf("flag should win over env, env over default: %+v", c)
	}
}

func TestLoadConfigRejects(t *testing.T) {
	t.Parallel()
	for name, vars := range map[string]map[string]string{
		"bad duration":                  {"AUTHD_ACCESS_TOKEN_TTL": "soon"},
		"negative ttl":                  {"AUTHD_ACCESS_TOKEN_TTL": "-1m"},
		"refresh < access":              {"AUTHD_REFRESH_TOKEN_TTL": "1m"},
		"bad log format":                {"AUTHD_LOG_FORMAT": "xml"},
		"bad log level":                 {"AUTHD_LOG_LEVEL": "loud"},
		"too many argon lanes":          {"AUTHD_ARGON2_THREADS": "300"},
		"over NIST's 100":               {"AUTHD_LOGIN_MAX_FAILURES": "101"},
		"negative limit":                {"AUTHD_REGISTER_MAX_PER_IP": "-1"},
		"zero window":                   {"AUTHD_LOGIN_WINDOW": "0s"},
		"bad proxy list":                {"AUTHD_TRUSTED_PROXIES": "10.0.0.0/8,nonsense"},
		"session < refresh":             {"AUTHD_SESSION_MAX_AGE": "1h"},
		"unknown algorithm":             {"AUTHD_JWT_ALG": "RS256"},
		"lower-case algorithm":          {"AUTHD_JWT_ALG": "eddsa"},
		"keys dir with HS256":           {"AUTHD_JWT_KEYS_DIR": "/etc/authd/keys"},
		"secret with EdDSA":             {"AUTHD_JWT_ALG": "EdDSA", "AUTHD_JWT_SECRET": "0123456789abcdef0123456789abcdef"},
		"EdDSA on MongoDB without keys": {"AUTHD_JWT_ALG": "EdDSA", "AUTHD_MONGODB_URI": "mongodb://db"},
		"origin with a path":            {"AUTHD_CORS_ORIGINS": "https://app.example.com/login"},
		"origin without scheme":         {"AUTHD_CORS_ORIGINS": "app.example.com"},
		"ftp origin":                    {"AUTHD_CORS_ORIGINS": "ftp://app.example.com"},
		"two wildcards":                 {"AUTHD_CORS_ORIGINS": "https://*.*.example.com"},
		"metrics addr without port":     {"AUTHD_METRICS_ADDR": "localhost"},
	} {
		if _, err := app.LoadConfig(nil, env(vars), io.Discard); err == nil {
			t.Errorf("%s: accepted %v", name, vars)
		}
	}
}

func TestLoadConfigAcceptsTokenAndBrowserSettings(t *testing.T) {
	t.Parallel()
	c, err := app.LoadConfig(nil, env(map[string]string{
		"AUTHD_JWT_ALG": "EdDSA", "AUTHD_JWT_KEYS_DIR": "/etc/authd/keys", "AUTHD_MONGODB_URI": "mongodb://db",
		"AUTHD_CORS_ORIGINS": "https://app.example.com, http://localhost:3000,https://*.example.org",
		"AUTHD_METRICS_ADDR": ":9090",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.JWTAlg != "EdDSA" || c.JWTKeysDir != "/etc/authd/keys" || c.MetricsAddr != ":9090" {
		t.Errorf("config = %+v", c)
	}
	if d, _ := app.LoadConfig(nil, env(nil), io.Discard); d.JWTAlg != "HS256" || d.CORSOrigins != "" || d.MetricsAddr != "" {
		t.Errorf("defaults: alg %q, CORS %q, metrics %q; want HS256 and both off", d.JWTAlg, d.CORSOrigins, d.MetricsAddr)
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	_, err := app.LoadConfig([]string{"--help"}, env(nil), &out)
	if !errors.Is(err, app.ErrHelp) {
		t.Fatalf("err = %v, want ErrHelp", err)
	}
	for _, v := range []string{"AUTHD_HTTP_ADDR", "AUTHD_DATA_DIR", "AUTHD_MONGODB_URI", "AUTHD_MONGODB_DATABASE", "AUTHD_JWT_SECRET",
		"AUTHD_ACCESS_TOKEN_TTL", "AUTHD_REFRESH_TOKEN_TTL", "AUTHD_ARGON2_MEMORY_KIB", "AUTHD_LOG_FORMAT",
		"AUTHD_JWT_ALG", "AUTHD_JWT_KEYS_DIR", "AUTHD_METRICS_ADDR", "AUTHD_CORS_ORIGINS"} {
		if !strings.Contains(out.String(), v) {
			t.Errorf("--help does not mention %s", v)
		}
	}
	if _, err := app.LoadConfig([]string{"--version"}, env(nil), &out); !app.IsVersionRequest(err) {
		t.Errorf("--version: %v", err)
	}
}

func config(t *testing.T) app.Config {
	t.Helper()
	c, err := app.LoadConfig(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c.HTTPAddr, c.DataDir = "127.0.0.1:0", t.TempDir()
	return c
}

// freeAddr returns a loopback address with a port nothing listens on at the moment.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func start(t *testing.T, c app.Config) (*fx.App, *app.Server, error) {
	t.Helper()
	var srv *app.Server
	a := fx.New(app.ModuleWithLogger(c, slog.New(slog.DiscardHandler)), fx.Populate(&srv))
	if err := a.Err(); err != nil {
		return a, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := a.Start(ctx)
	if err == nil {
		t.Cleanup(func() { _ = a.Stop(context.Background()) })
	}
	return a, srv, err
}

func TestGeneratedSecretIsKeptPrivateAndReused(t *testing.T) {
	c := config(t)
	a, _, err := start(t, c)
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Stop(context.Background())
	path := filepath.Join(c.DataDir, "jwt-secret")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no generated secret: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode = %v, want 0600", info.Mode().Perm())
	}
	first, _ := os.ReadFile(path)
	a, _, err = start(t, c)
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Stop(context.Background())
	second, _ := os.ReadFile(path)
	if !bytes.Equal(first, second) || len(bytes.TrimSpace(first)) < 32 {
		t.Error("the generated secret changed between starts or is short")
	}
}

func TestStartupRefusals(t *testing.T) {
	short := config(t)
	short.JWTSecret = "too-short"
	if _, _, err := start(t, short); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Errorf("short secret: %v", err)
	}

	mongoNoSecret := config(t)
	mongoNoSecret.MongoURI = "mongodb://127.0.0.1:1"
	if _, _, err := start(t, mongoNoSecret); err == nil {
		t.Error("MongoDB mode started without AUTHD_JWT_SECRET")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := config(t)
	taken.HTTPAddr = ln.Addr().String()
	if _, _, err := start(t, taken); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("taken port: %v", err)
	}
}

func TestUnreachableMongoFailsStartupQuickly(t *testing.T) {
	addr := freeAddr(t)
	c := config(t)
	c.MongoURI = "mongodb://" + addr + "/?connect=direct"
	c.JWTSecret = strings.Repeat("k", 32)
	c.MongoTimeout = 500 * time.Millisecond
	began := time.Now()
	if _, _, err := start(t, c); err == nil {
		t.Fatal("started against a closed port")
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("failing took %s", d)
	}
}

// TestLoadConfigErrorsSayWhatIsWanted: a value that doesn't parse is named with its variable or
// flag and what it should look like, and nothing is printed: the caller prints the error once.
func TestLoadConfigErrorsSayWhatIsWanted(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"AUTHD_ACCESS_TOKEN_TTL": "banana"}, `AUTHD_ACCESS_TOKEN_TTL="banana": want a duration such as 30m`},
		{nil, map[string]string{"AUTHD_ARGON2_TIME": "-1"}, `AUTHD_ARGON2_TIME="-1": want a whole number, 0 or more`},
		{nil, map[string]string{"AUTHD_LOGIN_MAX_FAILURES": "five"}, `AUTHD_LOGIN_MAX_FAILURES="five": want a whole number`},
		{[]string{"--access-token-ttl=banana"}, nil, `invalid value "banana" for flag -access-token-ttl: want a duration such as 30m`},
		{[]string{"--no-such-flag"}, nil, `flag provided but not defined: -no-such-flag`},
	} {
		var out bytes.Buffer
		_, err := app.LoadConfig(tt.args, env(tt.env), &out)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%v %v: %v, want %s", tt.args, tt.env, err, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("%v %v printed %q; only --help prints", tt.args, tt.env, out.String())
		}
	}
}
