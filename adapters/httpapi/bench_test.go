package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// BenchmarkDecodeObject is request decoding and validation: strict JSON into declared string fields.
func BenchmarkDecodeObject(b *testing.B) {
	for _, bc := range []struct {
		name   string
		fields []field
		body   string
	}{
		{"login", loginFields, `{"email":"user000000042@example.com","password":"vivid-Harbor-quartz-71"}`},
		{"register", registerFields, `{"email":"new@example.com","password":"vivid-Harbor-quartz-71","confirm_password":"vivid-Harbor-quartz-71","first_name":"Ada","last_name":"Lovelace"}`},
		{"update-me", updateMeFields, `{"bio":"Software developer passionate about technology","phone_number":null}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(bc.body))
				r.Header.Set("Content-Type", "application/json")
				if _, err := decodeObject(r, bc.fields, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// discard is a ResponseWriter that keeps nothing, so only the encoding is measured.
type discard struct{ h http.Header }

func (d discard) Header() http.Header       { return d.h }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

// BenchmarkWriteJSON is response encoding of the bodies the hot endpoints answer with.
func BenchmarkWriteJSON(b *testing.B) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	bio := "Software developer passionate about technology"
	u := &user.User{
		ID: "65f1c0ffee0123456789abcd", Email: "user@example.com", IsActive: true, CreatedAt: at, LastLogin: &at,
		Profile: user.Profile{FirstName: "Ada", LastName: "Lovelace", Bio: &bio},
	}
	pair := credential.Pair{AccessToken: strings.Repeat("a", 300), RefreshToken: strings.Repeat("r", 300), ExpiresIn: 30 * time.Minute}
	for _, bc := range []struct {
		name string
		body func() any
	}{
		{"user", func() any { return viewUser(u) }},
		{"public-user", func() any { return viewPublic(u.Public()) }},
		{"tokens", func() any { return viewTokens(pair) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				writeJSON(w, http.StatusOK, bc.body())
			}
		})
	}
}
