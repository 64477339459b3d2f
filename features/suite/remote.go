package suite

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"

	"github.com/authd/authd/features/steps"
	"github.com/authd/authd/test/smtpd"
)

// The environment of a remote run, read by RemoteFromEnv.
const (
	EnvBaseURL   = "AUTHD_TEST_BASE_URL"   // the deployment; a remote run happens when it is set
	EnvPublicURL = "AUTHD_TEST_PUBLIC_URL" // what its mailed links start with (its AUTHD_PUBLIC_URL); the base URL by default
	EnvSMTPAddr  = "AUTHD_TEST_SMTP_ADDR"  // host:port the suite takes the deployment's mail on, with test/smtpd
	EnvMailAPI   = "AUTHD_TEST_MAIL_API"   // or the messages API of a test/smtpd that takes it already
	EnvSecret    = "AUTHD_TEST_JWT_SECRET" // its HS256 key (AUTHD_JWT_SECRET), for @signing-key
	EnvIssuer    = "AUTHD_TEST_JWT_ISSUER" // its AUTHD_JWT_ISSUER, "authd" by default
	EnvDirect    = "AUTHD_TEST_DIRECT"     // true: the URL reaches one authd process, nothing in between
	// An administrator of the deployment (verified, with the admin role), for @admin; both or neither.
	EnvAdminEmail    = "AUTHD_TEST_ADMIN_EMAIL"
	EnvAdminPassword = "AUTHD_TEST_ADMIN_PASSWORD"
)

// Remote is a deployment the suite reaches by its URL alone, such as a staging service: no
// database, no containers, and mail only where the suite is told where the deployment sends it.
type Remote struct {
	BaseURL   string
	PublicURL string
	SMTPAddr  string
	MailAPI   string
	Secret    string
	Issuer    string
	Direct    bool
	// Admin is an administrator's account on the deployment; nil leaves @admin scenarios out.
	Admin *steps.Admin
}

// Hints say, per need tag, how a remote run can have what it lacks.
var Hints = map[string]string{
	"@containers":    "only the container suite runs these: make test-containers",
	"@admin":         "set " + EnvAdminEmail + " and " + EnvAdminPassword + " to an administrator of the deployment",
	"@database":      "remote runs have no database; the in-process and container suites run these",
	"@mail":          "set " + EnvSMTPAddr + " (and send the deployment's mail there) or " + EnvMailAPI,
	"@signing-key":   "set " + EnvSecret + " to the deployment's HS256 key",
	"@direct":        "set " + EnvDirect + "=true if the URL reaches one authd process with no proxy in between",
	"@refresh-grace": "the in-process suite runs these on a service with AUTHD_REFRESH_REUSE_GRACE=10s",
}

// RemoteFromEnv reads a remote run's settings; ok is false when no base URL is set.
func RemoteFromEnv(getenv func(string) string) (r Remote, ok bool, err error) {
	r = Remote{
		BaseURL: getenv(EnvBaseURL), PublicURL: getenv(EnvPublicURL), SMTPAddr: getenv(EnvSMTPAddr),
		MailAPI: getenv(EnvMailAPI), Secret: getenv(EnvSecret), Issuer: getenv(EnvIssuer),
	}
	if r.BaseURL == "" {
		return r, false, nil
	}
	if u, err := url.Parse(r.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return r, false, fmt.Errorf("%s=%q: want http://host[:port] or https://…", EnvBaseURL, r.BaseURL)
	}
	if v := getenv(EnvDirect); v != "" {
		if r.Direct, err = strconv.ParseBool(v); err != nil {
			return r, false, fmt.Errorf("%s=%q: want true or false", EnvDirect, v)
		}
	}
	switch email, password := getenv(EnvAdminEmail), getenv(EnvAdminPassword); {
	case email != "" && password != "":
		r.Admin = &steps.Admin{Email: email, Password: password}
	case email != "" || password != "":
		return r, false, fmt.Errorf("set both %s and %s, or neither", EnvAdminEmail, EnvAdminPassword)
	}
	if r.SMTPAddr != "" && r.MailAPI != "" {
		return r, false, fmt.Errorf("set %s or %s, not both: mail is read from one place", EnvSMTPAddr, EnvMailAPI)
	}
	return r, true, nil
}

// Target is r as the steps see it: shared with other runs, so never assumed fresh. With
// SMTPAddr it starts the suite's SMTP server there, until t ends.
func (r Remote) Target(t testing.TB) steps.Target {
	target := steps.Target{BaseURL: r.BaseURL, Issuer: r.Issuer, PublicURL: r.PublicURL, Direct: r.Direct, Admin: r.Admin, Shared: true}
	if target.Issuer == "" {
		target.Issuer = "authd"
	}
	if target.PublicURL == "" {
		target.PublicURL = r.BaseURL
	}
	if r.Secret != "" {
		target.Secret = []byte(r.Secret)
	}
	switch {
	case r.SMTPAddr != "":
		target.Mailbox = ServerMailbox{smtpd.Start(t, smtpd.Options{Addr: r.SMTPAddr})}
	case r.MailAPI != "":
		target.Mailbox = APIMailbox{smtpd.NewRemote(r.MailAPI)}
	}
	return target
}
