// Package app wires the adapters to the core with go.uber.org/fx: configuration, modules and
// lifecycle hooks, and nothing else.
package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/authd/authd/adapters/httpapi"
	"github.com/authd/authd/adapters/jwttoken"
	"github.com/authd/authd/core/user"
)

// Config is everything an operator can set. Each field has a flag and an AUTHD_* environment variable;
// a flag wins over the environment.
type Config struct {
	HTTPAddr         string
	DataDir          string
	MongoURI         string
	MongoDatabase    string
	MongoTimeout     time.Duration
	JWTSecret        string
	JWTAlg           string
	JWTKeysDir       string
	JWTIssuer        string
	JWTLeeway        time.Duration
	AccessTTL        time.Duration
	RefreshTTL       time.Duration
	SessionMaxAge    time.Duration
	RefreshGrace     time.Duration
	EventRetention   time.Duration
	SessionClient    string
	Argon2Memory     uint
	Argon2Time       uint
	Argon2Threads    uint
	ShutdownTimeout  time.Duration
	LoginMaxFailures int
	LoginWindow      time.Duration
	IPMaxFailures    int
	RegisterMaxPerIP int
	RegisterWindow   time.Duration
	TrustedProxies   string
	IPv6Prefix       int
	LogLevel         string
	LogFormat        string
	PprofAddr        string
	MetricsAddr      string
	CORSOrigins      string
	AdminEmails      string
	ExportMaxPerHour int
	Mail             MailConfig
}

// MailConfig is how authd sends mail and what its links point at.
type MailConfig struct {
	SMTPURL         string // empty: the spool, <DataDir>/mail
	SMTPCAFile      string
	DialTimeout     time.Duration
	SendTimeout     time.Duration
	From            string
	Name            string
	Support         string
	TemplatesDir    string
	PublicURL       string
	ResetURL        string
	VerifyURL       string
	ConfirmEmailURL string
	ResetTTL        time.Duration
	VerifyTTL       time.Duration
	EmailChangeTTL  time.Duration
	Poll            time.Duration
	Lease           time.Duration
	MaxRetry        time.Duration
	MaxPerAccount   int
	MaxPerIP        int
	Window          time.Duration
	TokenFailures   int
}

// setting describes one configuration entry for flags, the environment and --help.
type setting struct {
	flag, env, usage string
	kind             kind
}

// kind binds a setting to its field and says what its values look like, for --help and errors.
type kind struct {
	name, want string // "duration", "a duration such as 30m"
	bind       func(fs *flag.FlagSet, name, usage string)
}

func settings(c *Config) []setting {
	str := func(p *string, def string) kind {
		return kind{"string", "", func(fs *flag.FlagSet, n, u string) { fs.StringVar(p, n, def, u) }}
	}
	dur := func(p *time.Duration, def time.Duration) kind {
		return kind{"duration", "a duration such as 30m", func(fs *flag.FlagSet, n, u string) { fs.DurationVar(p, n, def, u) }}
	}
	num := func(p *uint, def uint) kind {
		return kind{"uint", "a whole number, 0 or more", func(fs *flag.FlagSet, n, u string) { fs.UintVar(p, n, def, u) }}
	}
	integer := func(p *int, def int) kind {
		return kind{"int", "a whole number", func(fs *flag.FlagSet, n, u string) { fs.IntVar(p, n, def, u) }}
	}
	return []setting{
		{"http-addr", "AUTHD_HTTP_ADDR", "address the HTTP API listens on", str(&c.HTTPAddr, "127.0.0.1:8080")},
		{"data-dir", "AUTHD_DATA_DIR", "directory of the embedded store (and generated secrets) when no MongoDB is configured", str(&c.DataDir, "./data")},
		{"mongodb-uri", "AUTHD_MONGODB_URI", "MongoDB connection string; when set, MongoDB is the store", str(&c.MongoURI, "")},
		{"mongodb-database", "AUTHD_MONGODB_DATABASE", "MongoDB database name", str(&c.MongoDatabase, "authd")},
		{"mongodb-timeout", "AUTHD_MONGODB_TIMEOUT", "how long a request waits for MongoDB before answering 503", dur(&c.MongoTimeout, 5*time.Second)},
		{"jwt-secret", "AUTHD_JWT_SECRET", "HS256 signing key, at least 32 bytes (embedded mode generates one into the data dir when unset)", str(&c.JWTSecret, "")},
		{"jwt-alg", "AUTHD_JWT_ALG", "token signature: HS256 (one shared secret) or EdDSA (Ed25519 keys, public halves at /.well-known/jwks.json)", str(&c.JWTAlg, jwttoken.HS256)},
		{"jwt-keys-dir", "AUTHD_JWT_KEYS_DIR", "EdDSA: directory of PKCS#8 PEM Ed25519 keys (*.pem); all verify, the one whose file name sorts last signs (embedded mode: <data-dir>/jwt-keys, one generated when empty; required with MongoDB)", str(&c.JWTKeysDir, "")},
		{"jwt-issuer", "AUTHD_JWT_ISSUER", "iss claim of issued tokens, checked on every token", str(&c.JWTIssuer, "authd")},
		{"jwt-leeway", "AUTHD_JWT_LEEWAY", "clock skew tolerated on token times (at most 30s)", dur(&c.JWTLeeway, 5*time.Second)},
		{"access-token-ttl", "AUTHD_ACCESS_TOKEN_TTL", "lifetime of access tokens (expires_in)", dur(&c.AccessTTL, 30*time.Minute)},
		{"refresh-token-ttl", "AUTHD_REFRESH_TOKEN_TTL", "lifetime of refresh tokens and idle sessions", dur(&c.RefreshTTL, 7*24*time.Hour)},
		{"session-max-age", "AUTHD_SESSION_MAX_AGE", "absolute lifetime of a session: refreshing never extends it past this since login", dur(&c.SessionMaxAge, 30*24*time.Hour)},
		{"refresh-reuse-grace", "AUTHD_REFRESH_REUSE_GRACE", "how long after a refresh the refresh token it spent still gets that refresh's pair instead of ending the session as reuse (tabs refreshing at once); 0s: strict", dur(&c.RefreshGrace, 0)},
		{"session-client-info", "AUTHD_SESSION_CLIENT_INFO", "on: sessions keep their client's network (/24, /48) and user agent (200 characters) for the session list; off: neither (personal data)", str(&c.SessionClient, "on")},
		{"event-retention", "AUTHD_EVENT_RETENTION", "how long security events are kept (the timeline stays verifiable from a checkpoint); 0 keeps them forever", dur(&c.EventRetention, 90*24*time.Hour)},
		{"admin-emails", "AUTHD_ADMIN_EMAILS", "comma-separated addresses whose accounts get the admin role once verified (at start-up, or when verified later); idempotent", str(&c.AdminEmails, "")},
		{"export-max-per-hour", "AUTHD_EXPORT_MAX_PER_HOUR", "data exports (GET /users/me/export) per account per hour; 0 disables the limit", integer(&c.ExportMaxPerHour, 10)},
		{"argon2-memory", "AUTHD_ARGON2_MEMORY_KIB", "argon2id memory per hash in KiB", num(&c.Argon2Memory, 19456)},
		{"argon2-time", "AUTHD_ARGON2_TIME", "argon2id passes", num(&c.Argon2Time, 2)},
		{"argon2-threads", "AUTHD_ARGON2_THREADS", "argon2id lanes", num(&c.Argon2Threads, 1)},
		{"login-max-failures", "AUTHD_LOGIN_MAX_FAILURES", "consecutive failed logins per account before lockouts (doubling from 1m, up to 1h) start; 0 disables", integer(&c.LoginMaxFailures, 5)},
		{"login-window", "AUTHD_LOGIN_WINDOW", "failed logins further apart than this stop counting as consecutive", dur(&c.LoginWindow, 15*time.Minute)},
		{"ip-max-failures", "AUTHD_IP_MAX_FAILURES", "failed logins per client address before lockouts start; 0 disables", integer(&c.IPMaxFailures, 100)},
		{"register-max-per-ip", "AUTHD_REGISTER_MAX_PER_IP", "registrations per client address per register window; 0 disables", integer(&c.RegisterMaxPerIP, 20)},
		{"register-window", "AUTHD_REGISTER_WINDOW", "the window of AUTHD_REGISTER_MAX_PER_IP", dur(&c.RegisterWindow, time.Hour)},
		{"trusted-proxies", "AUTHD_TRUSTED_PROXIES", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed; empty: the socket peer is the client", str(&c.TrustedProxies, "")},
		{"throttle-ipv6-prefix", "AUTHD_THROTTLE_IPV6_PREFIX", "per-address limits count an IPv6 client as its network of this many bits (16 to 128; 128: the single address)", integer(&c.IPv6Prefix, httpapi.DefaultIPv6Prefix)},
		{"shutdown-timeout", "AUTHD_SHUTDOWN_TIMEOUT", "how long in-flight requests may take to finish on SIGTERM", dur(&c.ShutdownTimeout, 15*time.Second)},
		{"log-level", "AUTHD_LOG_LEVEL", "debug, info, warn or error", str(&c.LogLevel, "info")},
		{"log-format", "AUTHD_LOG_FORMAT", "json or text", str(&c.LogFormat, "json")},
		{"pprof-addr", "AUTHD_PPROF_ADDR", "loopback address serving net/http/pprof and expvar apart from the API (off when empty)", str(&c.PprofAddr, "")},
		{"metrics-addr", "AUTHD_METRICS_ADDR", "address of a separate listener for Prometheus' GET /metrics; when set, the API address no longer serves /metrics", str(&c.MetricsAddr, "")},
		{"smtp-url", "AUTHD_SMTP_URL", "mail server: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS); empty: mail is written as .eml files to <data-dir>/mail", str(&c.Mail.SMTPURL, "")},
		{"smtp-ca-file", "AUTHD_SMTP_CA_FILE", "PEM file of certificates to trust for the SMTP server (empty: the system's roots)", str(&c.Mail.SMTPCAFile, "")},
		{"smtp-dial-timeout", "AUTHD_SMTP_DIAL_TIMEOUT", "how long connecting to the SMTP server (TLS handshake included) may take", dur(&c.Mail.DialTimeout, 10*time.Second)},
		{"smtp-send-timeout", "AUTHD_SMTP_SEND_TIMEOUT", "how long one SMTP conversation after connecting may take", dur(&c.Mail.SendTimeout, 30*time.Second)},
		{"mail-name", "AUTHD_MAIL_NAME", "what mail calls the service", str(&c.Mail.Name, "authd")},
		{"mail-support", "AUTHD_MAIL_SUPPORT", "where mail's \"if this wasn't you\" advice points: an address or a URL (empty: the people who run the service)", str(&c.Mail.Support, "")},
		{"mail-from", "AUTHD_MAIL_FROM", "From address of the mail authd sends", str(&c.Mail.From, "authd <no-reply@localhost>")},
		{"mail-templates-dir", "AUTHD_MAIL_TEMPLATES_DIR", "directory whose template files replace the embedded ones of the same name", str(&c.Mail.TemplatesDir, "")},
		{"public-url", "AUTHD_PUBLIC_URL", "the URL clients reach authd at; links in mail are built from it (never from a request's Host); empty: http://<http-addr>", str(&c.Mail.PublicURL, "")},
		{"reset-url", "AUTHD_RESET_URL", "link of reset mail, with {token} (https://app.example.com/reset?token={token}); empty: authd's /reset-password page", str(&c.Mail.ResetURL, "")},
		{"verify-url", "AUTHD_VERIFY_URL", "link of verification mail, with {token}; empty: authd's /verify-email page", str(&c.Mail.VerifyURL, "")},
		{"confirm-email-url", "AUTHD_CONFIRM_EMAIL_URL", "link of email-change confirmations, with {token}; empty: authd's /confirm-email page", str(&c.Mail.ConfirmEmailURL, "")},
		{"reset-token-ttl", "AUTHD_RESET_TOKEN_TTL", "lifetime of password-reset links", dur(&c.Mail.ResetTTL, 30*time.Minute)},
		{"verify-token-ttl", "AUTHD_VERIFY_TOKEN_TTL", "lifetime of email-verification links", dur(&c.Mail.VerifyTTL, 24*time.Hour)},
		{"email-change-token-ttl", "AUTHD_EMAIL_CHANGE_TOKEN_TTL", "lifetime of email-change confirmation links", dur(&c.Mail.EmailChangeTTL, time.Hour)},
		{"mail-poll", "AUTHD_MAIL_POLL", "how often a replica looks for mail queued by others", dur(&c.Mail.Poll, time.Second)},
		{"mail-lease", "AUTHD_MAIL_LEASE", "how long a replica holds a message it is delivering; a message whose replica died mid-delivery waits this long, then goes out again (must exceed the SMTP dial and send timeouts together)", dur(&c.Mail.Lease, 2*time.Minute)},
		{"mail-max-retry", "AUTHD_MAIL_MAX_RETRY", "longest wait between delivery attempts of one message (they start at 1s and double); mail is retried until delivered", dur(&c.Mail.MaxRetry, 5*time.Minute)},
		{"mail-max-per-account", "AUTHD_MAIL_MAX_PER_ACCOUNT", "mail-sending requests (forgot-password, resend, change email) per address per mail window; 0 disables", integer(&c.Mail.MaxPerAccount, 5)},
		{"mail-max-per-ip", "AUTHD_MAIL_MAX_PER_IP", "mail-sending requests per client address per mail window; 0 disables", integer(&c.Mail.MaxPerIP, 20)},
		{"mail-window", "AUTHD_MAIL_WINDOW", "the window of the mail limits", dur(&c.Mail.Window, time.Hour)},
		{"token-max-failures", "AUTHD_TOKEN_MAX_FAILURES", "wrong reset, verification or email-change tokens per client address before lockouts start; 0 disables", integer(&c.Mail.TokenFailures, 20)},
		{"cors-origins", "AUTHD_CORS_ORIGINS", "comma-separated origins (https://app.example.com) whose browser scripts may call the API; empty: CORS off", str(&c.CORSOrigins, "")},
	}
}

// ErrHelp is returned by LoadConfig after printing usage for --help.
var ErrHelp = flag.ErrHelp

// LoadConfig reads flags from args over environment variables from getenv over defaults. --help
// writes the usage to out; nothing else is written anywhere: errors are returned, for the caller to
// print once.
func LoadConfig(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("authd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	all := settings(&c)
	for _, s := range all {
		s.kind.bind(fs, s.flag, s.usage)
		if s.kind.want != "" {
			f := fs.Lookup(s.flag)
			f.Value = checked{f.Value, s.kind.want}
		}
	}
	version := fs.Bool("version", false, "print the version and exit")
	for _, s := range all {
		if v := getenv(s.env); v != "" {
			if err := fs.Set(s.flag, v); err != nil {
				return c, fmt.Errorf("%s=%q: %w", s.env, v, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(out, fs, all)
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *version {
		return c, errVersion
	}
	return c, c.validate()
}

// checked is a flag value whose parse error says what a value should look like, not flag's
// "parse error": "AUTHD_ACCESS_TOKEN_TTL=\"banana\": want a duration such as 30m".
type checked struct {
	flag.Value
	want string
}

func (v checked) Set(s string) error {
	if err := v.Value.Set(s); err != nil {
		return errors.New("want " + v.want)
	}
	return nil
}

// printUsage lists the settings in the order settings gives them, grouped by what they are about,
// rather than flag's alphabetical PrintDefaults.
func printUsage(out io.Writer, fs *flag.FlagSet, all []setting) {
	fmt.Fprint(out, `authd: user authentication service

Usage:
  authd [flags]               serve the API
  authd audit verify [flags]  check every user's security timeline in the configured store
                              (exit 0: every chain verifies, 1: one is broken, 2: usage or store error)
  authd --version             print the version and VCS revision

Both commands read these settings. Each flag can also be set by its environment variable; a flag
wins over the environment. An AUTHD_* variable authd doesn't know is warned about at start-up.

`)
	for _, s := range all {
		def := ""
		switch v := fs.Lookup(s.flag).DefValue; {
		case v == "":
		case s.kind.name == "string":
			def = fmt.Sprintf(", default %q", v)
		default:
			def = ", default " + v
		}
		fmt.Fprintf(out, "  --%s %s\n        %s (env %s%s)\n", s.flag, s.kind.name, s.usage, s.env, def)
	}
	fmt.Fprintln(out, "  --version\n        print the version and exit")
}

var errVersion = errors.New("version requested")

// IsVersionRequest reports whether LoadConfig stopped because --version was given.
func IsVersionRequest(err error) bool { return errors.Is(err, errVersion) }

func (c Config) validate() error {
	var errs []error
	if c.AccessTTL <= 0 || c.RefreshTTL <= 0 {
		errs = append(errs, errors.New("token lifetimes must be positive"))
	}
	if c.SessionMaxAge < c.RefreshTTL {
		errs = append(errs, errors.New("AUTHD_SESSION_MAX_AGE must be at least AUTHD_REFRESH_TOKEN_TTL"))
	}
	if c.RefreshTTL < c.AccessTTL {
		errs = append(errs, errors.New("the refresh token must outlive the access token"))
	}
	if c.EventRetention < 0 {
		errs = append(errs, errors.New("AUTHD_EVENT_RETENTION can't be negative (0 keeps events forever)"))
	}
	if c.RefreshGrace < 0 || c.RefreshGrace > time.Minute {
		errs = append(errs, fmt.Errorf("AUTHD_REFRESH_REUSE_GRACE=%s: want 0s (strict) up to 1m", c.RefreshGrace))
	}
	if c.SessionClient != "on" && c.SessionClient != "off" {
		errs = append(errs, fmt.Errorf("AUTHD_SESSION_CLIENT_INFO=%q: want on or off", c.SessionClient))
	}
	if _, err := c.adminEmails(); err != nil {
		errs = append(errs, err)
	}
	if c.ExportMaxPerHour < 0 {
		errs = append(errs, errors.New("AUTHD_EXPORT_MAX_PER_HOUR can't be negative (0 disables)"))
	}
	if c.MongoTimeout <= 0 {
		errs = append(errs, errors.New("AUTHD_MONGODB_TIMEOUT must be positive"))
	}
	if c.Argon2Threads > 255 || c.Argon2Memory > 1<<32-1 || c.Argon2Time > 1<<32-1 {
		errs = append(errs, errors.New("argon2 parameters out of range"))
	}
	if c.LoginMaxFailures < 0 || c.IPMaxFailures < 0 || c.RegisterMaxPerIP < 0 {
		errs = append(errs, errors.New("throttling limits can't be negative (0 disables)"))
	}
	if c.LoginMaxFailures > 100 {
		// NIST SP 800-63B: no more than 100 consecutive failed attempts on one account.
		errs = append(errs, errors.New("AUTHD_LOGIN_MAX_FAILURES can be at most 100"))
	}
	if c.Mail.MaxPerAccount < 0 || c.Mail.MaxPerIP < 0 || c.Mail.TokenFailures < 0 {
		errs = append(errs, errors.New("mail limits can't be negative (0 disables)"))
	}
	if c.Mail.ResetTTL <= 0 || c.Mail.VerifyTTL <= 0 || c.Mail.EmailChangeTTL <= 0 || c.Mail.Poll <= 0 || c.Mail.MaxRetry <= 0 {
		errs = append(errs, errors.New("mail token lifetimes, AUTHD_MAIL_POLL and AUTHD_MAIL_MAX_RETRY must be positive"))
	}
	if c.Mail.Lease <= c.Mail.DialTimeout+c.Mail.SendTimeout {
		errs = append(errs, fmt.Errorf("AUTHD_MAIL_LEASE (%s) must exceed AUTHD_SMTP_DIAL_TIMEOUT + AUTHD_SMTP_SEND_TIMEOUT (%s), or two replicas could send one message at once",
			c.Mail.Lease, c.Mail.DialTimeout+c.Mail.SendTimeout))
	}
	if c.LoginWindow <= 0 || c.RegisterWindow <= 0 || c.Mail.Window <= 0 {
		errs = append(errs, errors.New("throttling windows must be positive"))
	}
	if c.IPv6Prefix < 16 || c.IPv6Prefix > 128 {
		errs = append(errs, fmt.Errorf("AUTHD_THROTTLE_IPV6_PREFIX=%d: want a prefix length from 16 to 128", c.IPv6Prefix))
	}
	if _, err := httpapi.ParseCIDRs(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("AUTHD_TRUSTED_PROXIES: %w", err))
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("AUTHD_LOG_FORMAT %q: want json or text", c.LogFormat))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateTokens())
	if _, err := parseOrigins(c.CORSOrigins); err != nil {
		errs = append(errs, fmt.Errorf("AUTHD_CORS_ORIGINS: %w", err))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("AUTHD_METRICS_ADDR %q: %w", c.MetricsAddr, err))
		}
	}
	return errors.Join(errs...)
}

// adminEmails is AUTHD_ADMIN_EMAILS as normalised addresses.
func (c Config) adminEmails() ([]string, error) {
	var out []string
	for _, raw := range strings.Split(c.AdminEmails, ",") {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		email, err := user.NormalizeEmail("email", raw)
		if err != nil {
			return nil, fmt.Errorf("AUTHD_ADMIN_EMAILS: %q: want comma-separated email addresses", strings.TrimSpace(raw))
		}
		out = append(out, email)
	}
	return out, nil
}
