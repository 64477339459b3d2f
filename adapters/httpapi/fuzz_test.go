package httpapi

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

var schemas = map[string][]field{
	"register": registerFields, "login": loginFields, "refresh": refreshFields, "logout": logoutFields,
	"change-password": changePasswordFields, "update-me": updateMeFields,
	"forgot-password": forgotFields, "reset-password": resetPasswordFields, "link": linkFields,
	"resend": resendFields, "change-email": changeEmailFields,
}

// optionalBody names the schemas whose operations take no body as well as an object.
var optionalBody = map[string]bool{"logout": true, "resend": true}

// FuzzDecodeObject feeds arbitrary bodies to every endpoint's decoder: it must never panic, must
// fail only with errors the HTTP layer maps to a 4xx, and must hand on only declared fields holding
// valid, NUL-free strings.
func FuzzDecodeObject(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@example.com","password":"SecurePass123!"}`, `{"email":{"$ne":null}}`, `{"a":1,"a":2}`,
		`{"EMAIL":"x"}`, `[]`, `null`, `{"bio":null}`, `{"email":"a"} x`, `{"email":"\u0000"}`, "{\"email\":\"\xff\"}",
		strings.Repeat("[", 5000), `{"refresh_token":"` + strings.Repeat("a", 3000) + `"}`,
	} {
		for name := range schemas {
			f.Add(name, []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, schema string, body []byte) {
		fields, ok := schemas[schema]
		if !ok {
			return
		}
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		out, err := decodeObject(r, fields, optionalBody[schema])
		if err != nil {
			var ve fieldProblems
			if !errors.As(err, &ve) && !errors.Is(err, errTooLarge) && !errors.Is(err, errUnsupportedMedia) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		declared := map[string]bool{}
		for _, f := range fields {
			declared[f.name] = true
		}
		for name, v := range out {
			if !declared[name] {
				t.Fatalf("undeclared field %q decoded", name)
			}
			if !utf8.ValidString(v.s) || strings.ContainsRune(v.s, 0) {
				t.Fatalf("field %q holds %q", name, v.s)
			}
		}
		for _, f := range fields {
			if _, ok := out[f.name]; f.required && !ok {
				t.Fatalf("required field %q missing without an error", f.name)
			}
		}
	})
}

// FuzzBearerToken: never panics, and only ever yields one space-free token from an exact "Bearer " header.
func FuzzBearerToken(f *testing.F) {
	for _, seed := range []string{"Bearer abc.def.ghi", "bearer abc", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer  x", "Bearer a b", "", "Bearer\tx"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Authorization"] = []string{header}
		tok, err := bearerToken(r)
		if err != nil {
			return
		}
		if tok == "" || strings.ContainsAny(tok, " \t") || header != "Bearer "+tok {
			t.Fatalf("header %q gave token %q", header, tok)
		}
	})
}
