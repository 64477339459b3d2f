package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestFieldsMatchTheDocument holds each operation's decoder table to its request schema in
// openapi.json: the same members, required, nullable, minLength and maxLength, and no others
// allowed. Either side drifting fails here, before any scenario runs.
func TestFieldsMatchTheDocument(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	for op, fields := range map[string][]field{
		"POST /api/v1/auth/register":                   registerFields,
		"POST /api/v1/auth/login":                      loginFields,
		"POST /api/v1/auth/refresh":                    refreshFields,
		"POST /api/v1/auth/logout":                     logoutFields,
		"POST /api/v1/auth/change-password":            changePasswordFields,
		"PUT /api/v1/users/me":                         updateMeFields,
		"POST /api/v1/auth/forgot-password":            forgotFields,
		"POST /api/v1/auth/reset-password":             resetPasswordFields,
		"POST /api/v1/auth/verify-email":               linkFields,
		"POST /api/v1/auth/verify-email/resend":        resendFields,
		"POST /api/v1/users/me/email":                  changeEmailFields,
		"POST /api/v1/users/me/email/confirm":          linkFields,
		"POST /api/v1/users/me/sessions/revoke-others": endOthersFields,
		"DELETE /api/v1/users/me":                      deleteMeFields,
	} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			method, path, _ := strings.Cut(op, " ")
			item := doc.Paths.Value(path)
			if item == nil || item.GetOperation(method) == nil || item.GetOperation(method).RequestBody == nil {
				t.Fatalf("the document has no request body for %s", op)
			}
			schema := item.GetOperation(method).RequestBody.Value.Content.Get("application/json").Schema.Value
			if ap := schema.AdditionalProperties.Has; ap == nil || *ap {
				t.Errorf("additionalProperties is not false, but the decoder refuses unknown members")
			}
			names := make([]string, 0, len(fields))
			for _, f := range fields {
				names = append(names, f.name)
				prop := schema.Properties[f.name]
				if prop == nil {
					t.Errorf("%s: decoded, but not in the document", f.name)
					continue
				}
				p := prop.Value
				if got := slices.Contains(schema.Required, f.name); got != f.required {
					t.Errorf("%s: required %t in the document, %t in the decoder", f.name, got, f.required)
				}
				if got := p.Type.Includes("null"); got != f.nullable {
					t.Errorf("%s: nullable %t in the document, %t in the decoder", f.name, got, f.nullable)
				}
				if int(p.MinLength) != f.minLen {
					t.Errorf("%s: minLength %d in the document, %d in the decoder", f.name, p.MinLength, f.minLen)
				}
				maxLen := 0
				if p.MaxLength != nil {
					maxLen = int(*p.MaxLength)
				}
				if maxLen != f.maxLen {
					t.Errorf("%s: maxLength %d in the document, %d in the decoder", f.name, maxLen, f.maxLen)
				}
			}
			for name := range schema.Properties {
				if !slices.Contains(names, name) {
					t.Errorf("%s: in the document, but the decoder refuses it", name)
				}
			}
		})
	}
}

// TestLengthsCountCodePointsAsSent checks the decoder counts a string as JSON Schema does: code
// points of the text as sent, before normalising ("e" + U+0301 is two, though NFC makes it one).
func TestLengthsCountCodePointsAsSent(t *testing.T) {
	t.Parallel()
	f := field{name: "x", minLen: 4, maxLen: 6}
	tests := []struct {
		text, wantType string
	}{
		{"", typeStringTooShort},
		{"abc", typeStringTooShort},
		{"e\u0301e\u0301", ""},      // 4 code points, NFC 2
		{"ééé", typeStringTooShort}, // 3 code points, 6 bytes
		{"ééééé\u00e9", ""},
		{"e\u0301e\u0301e\u0301e", typeStringTooLong}, // 7 code points, NFC 4
		{"  abcde", typeStringTooLong},                // surrounding spaces count: nothing is trimmed yet
	}
	for _, tt := range tests {
		body := `{"x": ` + strconv.QuoteToASCII(tt.text) + `}`
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		_, err := decodeObject(r, []field{f}, false)
		var errs fieldProblems
		switch {
		case tt.wantType == "" && err != nil:
			t.Errorf("%q refused: %v", tt.text, err)
		case tt.wantType != "" && (!errors.As(err, &errs) || len(errs) != 1 || errs[0].typ != tt.wantType || errs[0].field != "x" || errs[0].in != inBody):
			t.Errorf("%q: %v, want one %s at x", tt.text, err, tt.wantType)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"refresh_token": ""}`))
	r.Header.Set("Content-Type", "application/json")
	_, err := decodeObject(r, refreshFields, false)
	var errs fieldProblems
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].typ != typeStringTooShort || errs[0].msg != "String should have at least 1 character" {
		t.Errorf("empty refresh_token: %v, want string_too_short", err)
	}
}
