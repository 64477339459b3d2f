package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authd/authd/core/user"
)

// A 422 stays small whatever the request: a megabyte of unknown members used to come back as a
// 9.9 MB list, and a member's name is the client's to choose.
func TestValidationBodiesAreBounded(t *testing.T) {
	t.Parallel()
	h := testAPI(t, Options{})
	var members strings.Builder
	members.WriteString("{")
	for i := range 90000 {
		fmt.Fprintf(&members, `"m%d":0,`, i)
	}
	members.WriteString(`"email":"a@example.com","password":"x"}`)
	for name, body := range map[string]string{
		"90,000 unknown members":            members.String(),
		"a member name of 500,000 bytes":    `{"` + strings.Repeat("a", 500000) + `":0}`,
		"a name of characters JSON escapes": `{"` + strings.Repeat(`<\u0001\"`, 100000) + `":0}`,
	} {
		w := call(t, h, http.MethodPost, "/api/v1/auth/login", body)
		if w.Code != http.StatusUnprocessableEntity || w.Body.Len() > 4096 || !strings.Contains(w.Body.String(), "extra_forbidden") {
			t.Errorf("%s: %d with %d bytes, want a 422 extra_forbidden of at most 4 KiB: %.200s", name, w.Code, w.Body.Len(), w.Body)
		}
		var got struct{ Detail []validationItem }
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, it := range got.Detail {
			if len(it.Loc) > 1 {
				if encoded, _ := json.Marshal(it.Loc[1]); len(encoded) > maxLocName+2 {
					t.Errorf("%s: loc name takes %d bytes encoded, want at most %d", name, len(encoded)-2, maxLocName)
				}
			}
		}
	}

	w := call(t, h, http.MethodPost, "/api/v1/auth/login", members.String())
	var got struct{ Detail []validationItem }
	_ = json.Unmarshal(w.Body.Bytes(), &got)
	if len(got.Detail) != maxProblems+1 {
		t.Fatalf("%d items, want %d and one that counts the rest", len(got.Detail), maxProblems)
	}
	last := got.Detail[maxProblems]
	if last.Type != typeTooManyErrors || last.Msg != "89980 more problems were not listed" || fmt.Sprint(last.Loc) != "[body]" {
		t.Errorf("last item = %+v", last)
	}
	if first := got.Detail[0]; fmt.Sprint(first.Loc) != "[body m0]" || first.Type != typeExtraForbidden {
		t.Errorf("first item = %+v, want the first unknown member", first)
	}
}

// The worst a 422 can be: every listed problem at its longest, name and message alike.
func TestValidationBodyWorstCase(t *testing.T) {
	t.Parallel()
	var errs fieldProblems
	for range 1000 {
		errs = append(errs, &fieldProblem{in: inPath, field: strings.Repeat("\u2028", 1000), typ: typeValue, msg: strings.Repeat("&", 1000)})
	}
	w := httptest.NewRecorder()
	writeValidation(w, errs)
	if w.Body.Len() > 8<<10 {
		t.Errorf("%d bytes, want under 8 KiB", w.Body.Len())
	}
	if !strings.Contains(w.Body.String(), `{"loc":["path"],"msg":"980 more problems were not listed","type":"too_many_errors"}`) {
		t.Errorf("no count of the rest at the place they were found: %.300s", w.Body.String()[max(0, w.Body.Len()-300):])
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in    string
		limit int
		want  string
	}{
		{"email", 64, "email"},
		{strings.Repeat("a", 64), 64, strings.Repeat("a", 64)},
		{strings.Repeat("a", 65), 64, strings.Repeat("a", 61) + "…"},
		{strings.Repeat("é", 40), 64, strings.Repeat("é", 30) + "…"},
		{strings.Repeat("<", 20), 64, strings.Repeat("<", 10) + "…"}, // \u003c: 6 bytes each
		{strings.Repeat(`"`, 40), 64, strings.Repeat(`"`, 30) + "…"},
		{"\xff\xff", 64, "\xff\xff"},
	} {
		got := clip(tt.in, tt.limit)
		if got != tt.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
		if encoded, _ := json.Marshal(got); len(encoded)-2 > tt.limit {
			t.Errorf("clip(%q) takes %d bytes encoded", tt.in, len(encoded)-2)
		}
	}
}

// Every kind the core reports has a type of the seed's, so none falls back to value_error unnoticed.
func TestEveryKindHasAType(t *testing.T) {
	t.Parallel()
	kinds := []user.Kind{user.Invalid, user.TooShort, user.TooLong, user.Mismatch, user.SameAsCurrent, user.TooWeak}
	for _, k := range kinds {
		if _, ok := kindTypes[k]; !ok {
			t.Errorf("kind %q has no type", k)
		}
	}
	if len(kindTypes) != len(kinds) {
		t.Errorf("kindTypes maps %d kinds, this test knows %d: add the new one here", len(kindTypes), len(kinds))
	}
}

// The core's errors come out with the seed's types, at the place the handler says they were found,
// in the core's order; anything else passes through untouched.
func TestLocated(t *testing.T) {
	t.Parallel()
	core := fmt.Errorf("register: %w", user.ValidationErrors{
		{Field: "email", Kind: user.Invalid, Msg: "value is not a valid email address"},
		{Field: "password", Kind: user.TooShort, Msg: "String should have at least 8 characters"},
		{Field: "confirm_password", Kind: user.Mismatch, Msg: "passwords do not match"},
		{Kind: user.Invalid, Msg: "whole"},
	})
	want := "invalid input: body.email: value is not a valid email address; body.password: String should have at least 8 characters; body.confirm_password: passwords do not match; body: whole"
	var got fieldProblems
	if err := located(inBody, core); !errors.As(err, &got) || err.Error() != want {
		t.Fatalf("located = %v, want %s", err, want)
	}
	if types := []string{got[0].typ, got[1].typ, got[2].typ, got[3].typ}; fmt.Sprint(types) != "[value_error string_too_short value_error value_error]" {
		t.Errorf("types = %v", types)
	}
	_, err := user.ParseID("user_id", "nope")
	w := httptest.NewRecorder()
	(&API{}).writeError(w, httptest.NewRequest(http.MethodGet, "/", nil), located(inPath, err))
	if want := `{"detail":[{"loc":["path","user_id"],"msg":"value is not a valid id: expected 24 hexadecimal characters","type":"value_error"}]}`; w.Code != http.StatusUnprocessableEntity || strings.TrimSpace(w.Body.String()) != want {
		t.Errorf("bad path id: %d %s, want 422 %s", w.Code, w.Body, want)
	}
	if err := located(inBody, user.ErrNotFound); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("located(ErrNotFound) = %v", err)
	}
}
