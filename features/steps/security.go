package steps

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/golang-jwt/jwt/v5"
)

func (w *world) registerSecurity(sc *godog.ScenarioContext) {
	sc.Step(`^(\d+) failed logins for different accounts come from my address$`, w.failManyAccounts)
	sc.Step(`^I fail to log in as "([^"]*)" (\d+) times$`, w.failLogins)
	sc.Step(`^I register (\d+) different users from my address$`, w.registerMany)
	sc.Step(`^I use a forged access token that is (.+)$`, w.forge)
	sc.Step(`^I send a GET request to "([^"]*)" with an Authorization header of (\d+) characters$`, w.hugeAuthorization)
}

func (w *world) postJSON(path string, body map[string]string) (int, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	expanded, err := w.expand(string(raw))
	if err != nil {
		return 0, err
	}
	resp, data, err := w.do(context.Background(), http.MethodPost, path, []byte(expanded), "application/json", nil)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode >= 500 {
		return 0, fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, data)
	}
	return resp.StatusCode, nil
}

func (w *world) failManyAccounts(n int) error {
	for i := range n {
		status, err := w.postJSON("/api/v1/auth/login", map[string]string{"email": fmt.Sprintf("guess%d@example.com", i), "password": "WrongPass123!"})
		if err != nil {
			return err
		}
		if status != http.StatusUnauthorized {
			return fmt.Errorf("failed login %d answered %d, want 401", i+1, status)
		}
	}
	return nil
}

func (w *world) failLogins(email string, n int) error {
	for i := range n {
		status, err := w.postJSON("/api/v1/auth/login", map[string]string{"email": email, "password": "WrongPass123!"})
		if err != nil {
			return err
		}
		if status != http.StatusUnauthorized {
			return fmt.Errorf("failed login %d answered %d, want 401", i+1, status)
		}
	}
	return nil
}

func (w *world) registerMany(n int) error {
	for i := range n {
		status, err := w.postJSON("/api/v1/auth/register", map[string]string{
			"email": fmt.Sprintf("bulk%d@example.com", i), "password": DefaultPassword, "confirm_password": DefaultPassword,
			"first_name": "Bulk", "last_name": "User",
		})
		if err != nil {
			return err
		}
		if status != http.StatusCreated {
			return fmt.Errorf("registration %d answered %d, want 201", i+1, status)
		}
	}
	return nil
}

func (w *world) hugeAuthorization(path string, n int) error {
	// A proxy takes far less than 64 KiB of headers and answers for itself.
	if err := w.needs("@direct"); err != nil {
		return err
	}
	w.headers.Set("Authorization", "Bearer "+strings.Repeat("a", max(n-7, 0)))
	return w.sendEmpty(http.MethodGet, path)
}

// keyless are the forgeries made without the service's key; every other one is signed with it, so
// that the one thing broken is all the service can refuse it for.
var keyless = map[string]bool{
	"unsigned (alg none)": true, "signed with another key": true, "with a kid header": true,
	"with a jku header": true, "with a tampered payload": true,
}

// forge takes the claims of the scenario's real access token and breaks exactly one thing about them,
// so the service must reject the token for that reason alone.
func (w *world) forge(variant string) error {
	real, ok := w.vars["access_token"]
	if !ok {
		return fmt.Errorf("log in first: forging starts from a real access token")
	}
	parts := strings.Split(real, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return err
	}
	claims := jwt.MapClaims{}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return err
	}
	if !keyless[variant] {
		if err := w.needs("@signing-key"); err != nil {
			return err
		}
		if len(w.target.Secret) == 0 {
			return fmt.Errorf("this target's signing key is not known: forging a token %s needs it", variant)
		}
	}
	method, key := jwt.SigningMethod(jwt.SigningMethodHS256), any(w.target.Secret)
	header := map[string]any{}
	now := time.Now()
	switch variant {
	case "valid":
	case "unsigned (alg none)":
		method, key = jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType
	case "signed with HS512":
		method = jwt.SigningMethodHS512
	case "signed with another key":
		key = []byte("attacker-key-attacker-key-attacker-key")
	case "expired":
		claims["exp"] = now.Add(-time.Hour).Unix()
	case "not yet valid":
		claims["nbf"] = now.Add(time.Hour).Unix()
	case "from another issuer":
		claims["iss"] = "https://evil.example.net"
	case "without an expiry":
		delete(claims, "exp")
	case "of the refresh type":
		claims["token_type"] = "refresh"
	case "for another subject":
		claims["sub"] = "507f1f77bcf86cd799439011"
	case "with a kid header":
		header["kid"] = "../../../../dev/null"
		key = []byte("attacker-key-attacker-key-attacker-key")
	case "with a jku header":
		header["jku"] = "http://127.0.0.1:9/jwks.json"
		key = []byte("attacker-key-attacker-key-attacker-key")
	case "with a crit header":
		// RFC 7515's own example: the expiry repeated in the header, which a recipient must understand.
		header["crit"], header["exp"] = []string{"exp"}, claims["exp"]
	case "with a string expiry":
		exp, ok := claims["exp"].(float64)
		if !ok {
			return fmt.Errorf("the real token's exp is %v, not a number", claims["exp"])
		}
		claims["exp"] = strconv.FormatFloat(exp, 'f', -1, 64)
	case "with a boolean expiry":
		claims["exp"] = true
	case "with padded base64", "with nonzero spare bits":
		// Respelled below, once signed: the signature stays right for the token's bytes.
	case "with a tampered payload":
		tampered := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"access"`, `"access" `, 1)))
		w.bearer = parts[0] + "." + tampered + "." + parts[2]
		return nil
	default:
		return fmt.Errorf("unknown forgery %q", variant)
	}
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		return err
	}
	// An HS256 signature is 32 bytes, 43 characters: one short of a padded quantum, its last
	// character carrying 2 bits that must be zero.
	switch variant {
	case "with padded base64":
		s += "="
	case "with nonzero spare bits":
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		s = s[:len(s)-1] + string(alphabet[strings.IndexByte(alphabet, s[len(s)-1])|1])
	}
	w.bearer = s
	return nil
}
