package jwttoken

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/core/credential"
)

const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// enc is the canonical segment of JSON text that is never a multiple of 3 bytes long, so that its
// encoding has spare bits in the last character and would need padding.
func enc(t *testing.T, s string) string {
	t.Helper()
	if len(s)%3 == 0 {
		t.Fatalf("%q is a multiple of 3 bytes long: its encoding has neither padding nor spare bits", s)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// signed appends to header.payload, exactly as given, the signature of that text under key, so the
// token's only fault is whatever the caller put into those two segments.
func signed(t *testing.T, method jwt.SigningMethod, key any, header, payload string) string {
	t.Helper()
	sig, err := method.Sign(header+"."+payload, key)
	if err != nil {
		t.Fatal(err)
	}
	return header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// claimsJSON is the JSON of valid claims with one member replaced by raw JSON (or removed when raw
// is empty), padded with spaces so it is not a multiple of 3 bytes long. The jti's "?" and "~"
// make the encoding contain both "_" and "-".
func claimsJSON(t *testing.T, name, raw string) string {
	t.Helper()
	members := map[string]any{
		"iss": "authd", "sub": "user-1", "jti": "??????~~~~~~", "sid": "s", "token_type": "access",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
	if name != "" {
		members[name] = json.RawMessage(raw)
		if raw == "" {
			delete(members, name)
		}
	}
	b, err := json.Marshal(members)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for len(s)%3 == 0 {
		s += " "
	}
	return s
}

// padded adds the "=" padding that RFC 7515 §2 leaves out.
func padded(t *testing.T, seg string) string {
	t.Helper()
	if len(seg)%4 == 0 {
		t.Fatalf("segment %q needs no padding", seg)
	}
	return seg + strings.Repeat("=", 4-len(seg)%4)
}

// standard spells seg in the base64 alphabet of RFC 4648 §4 instead of the URL-safe one.
func standard(t *testing.T, seg string) string {
	t.Helper()
	out := strings.NewReplacer("-", "+", "_", "/").Replace(seg)
	if !strings.ContainsAny(out, "+") || !strings.ContainsAny(out, "/") {
		t.Fatalf("segment %q has no '-' and '_' to respell", seg)
	}
	return out
}

// dirtyTail sets the lowest of the bits that seg's last character carries beyond its bytes: they
// must be zero, and a lenient decoder ignores them, so the segment decodes to the same bytes.
func dirtyTail(t *testing.T, seg string) string {
	t.Helper()
	if len(seg)%4 == 0 {
		t.Fatalf("segment %q has no spare bits", seg)
	}
	i := strings.IndexByte(b64url, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(b64url[i|1])
}

// TestTokensMustBeStrictlyWellFormed holds both algorithms to RFC 7515/7519 where golang-jwt is
// lenient: a crit header, a date that is not a JSON number and every non-canonical spelling of a
// segment are refused although the signature over the token's text is right.
func TestTokensMustBeStrictlyWellFormed(t *testing.T) {
	t.Parallel()
	edKey := newKey(t)
	for _, alg := range []struct {
		name   string
		codec  *Codec
		method jwt.SigningMethod
		key    any
		header string // the JSON of a valid header but for its closing brace
	}{
		{"HS256", newCodec(t), jwt.SigningMethodHS256, secret, `{"alg":"HS256","typ":"JWT"`},
		{"EdDSA", edCodec(t, edKey), jwt.SigningMethodEdDSA, edKey, `{"alg":"EdDSA","kid":"` + kidOf(edKey) + `"`},
	} {
		t.Run(alg.name, func(t *testing.T) {
			t.Parallel()
			header := func(extra string) string {
				h := alg.header + extra + "}"
				for len(h)%3 == 0 {
					h += " "
				}
				return enc(t, h)
			}
			h, p := header(""), enc(t, claimsJSON(t, "", ""))
			withClaim := func(name, raw string) string {
				return signed(t, alg.method, alg.key, h, enc(t, claimsJSON(t, name, raw)))
			}
			good := signed(t, alg.method, alg.key, h, p)
			iat, exp := strconv.FormatInt(now.Unix(), 10), strconv.FormatInt(now.Add(time.Minute).Unix(), 10)
			parts := strings.Split(good, ".")
			tests := []struct {
				name   string
				token  string
				accept bool
			}{
				{"canonical", good, true},
				{"fractional exp", withClaim("exp", exp+".5"), true},
				{"no nbf", withClaim("nbf", ""), true},

				{"crit header", signed(t, alg.method, alg.key, header(`,"crit":["exp"],"exp":`+exp), p), false},
				{"empty crit header", signed(t, alg.method, alg.key, header(`,"crit":[]`), p), false},
				{"null crit header", signed(t, alg.method, alg.key, header(`,"crit":null`), p), false},

				{"string exp", withClaim("exp", `"`+exp+`"`), false},
				{"string iat", withClaim("iat", `"`+iat+`"`), false},
				{"string nbf", withClaim("nbf", `"`+iat+`"`), false},
				{"boolean exp", withClaim("exp", `true`), false},
				{"object exp", withClaim("exp", `{"$numberLong":"`+exp+`"}`), false},
				{"array exp", withClaim("exp", `[`+exp+`]`), false},
				{"null exp", withClaim("exp", `null`), false},
				{"null iat", withClaim("iat", `null`), false},
				{"null nbf", withClaim("nbf", `null`), false},

				{"padded header", signed(t, alg.method, alg.key, padded(t, h), p), false},
				{"padded payload", signed(t, alg.method, alg.key, h, padded(t, p)), false},
				{"padded signature", h + "." + p + "." + padded(t, parts[2]), false},
				{"payload in the standard alphabet", signed(t, alg.method, alg.key, h, standard(t, p)), false},
				{"non-zero spare bits in the header", signed(t, alg.method, alg.key, dirtyTail(t, h), p), false},
				{"non-zero spare bits in the payload", signed(t, alg.method, alg.key, h, dirtyTail(t, p)), false},
				{"non-zero spare bits in the signature", h + "." + p + "." + dirtyTail(t, parts[2]), false},
				{"line break in the payload", signed(t, alg.method, alg.key, h, p[:10]+"\r\n"+p[10:]), false},
				{"line break in the signature", h + "." + p + "." + parts[2][:10] + "\n" + parts[2][10:], false},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					_, err := alg.codec.Verify(tt.token, credential.Access)
					switch {
					case tt.accept && err != nil:
						t.Fatalf("rejected: %v", err)
					case !tt.accept && !errors.Is(err, credential.ErrInvalidToken):
						t.Fatalf("Verify = %v, want ErrInvalidToken", err)
					}
				})
			}
		})
	}
}
