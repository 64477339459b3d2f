package user_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/fake"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"user@example.com", "user@example.com", true},
		{"  User@Example.COM ", "user@example.com", true},
		{"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk", true},
		{"mıke@example.com", "mıke@example.com", true},           // dotless i is its own letter, not "mike"
		{"MİKE@example.com", "mİke@example.com", true},           // dotted capital I stays: ToLower would make it "mike"
		{"\u212Aate@example.com", "\u212Aate@example.com", true}, // Kelvin sign is not "K"
		{"", "", false},
		{"plain", "", false},
		{"a@b", "", false},
		{"a@.example.com", "", false},
		{"a@example.com.", "", false},
		{"a@exa..mple.com", "", false},
		{"John <john@example.com>", "", false},
		{`"quoted"@example.com`, "", false},
		{"two@@example.com", "", false},
		{"tab\t@example.com", "", false},
		{"nul\x00@example.com", "", false},
		{strings.Repeat("a", 65) + "@example.com", "", false},
		{strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 64) + "@example.com", true},
		{"a@" + strings.Repeat("b", 250) + ".com", "", false},
	}
	for _, tt := range tests {
		got, err := user.NormalizeEmail("email", tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		var ve *user.ValidationError
		if err != nil && (!errors.As(err, &ve) || ve.Field != "email" || ve.Kind != user.Invalid) {
			t.Errorf("NormalizeEmail(%q) error %v is not an invalid value at email", tt.in, err)
		}
	}
	seen := map[string]string{}
	for _, in := range []string{"mike@example.com", "mıke@example.com", "MİKE@example.com", "mİke@example.com", "kate@example.com", "\u212Aate@example.com"} {
		got, err := user.NormalizeEmail("e", in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if prev, ok := seen[got]; ok && !strings.EqualFold(prev, in) {
			t.Errorf("%q and %q map to one account %q", prev, in, got)
		}
		seen[got] = in
	}
}

func str(s string) *string { return &s }

func TestProfileApply(t *testing.T) {
	t.Parallel()
	base := user.Profile{FirstName: "Ada", LastName: "Lovelace", Bio: str("old"), PhoneNumber: str("+441234567890")}
	tests := []struct {
		name      string
		patch     user.ProfilePatch
		want      user.Profile
		errFields []string
	}{
		{"empty patch changes nothing", user.ProfilePatch{}, base, nil},
		{"names are trimmed", user.ProfilePatch{FirstName: str("  Grace "), LastName: str("Hopper")},
			user.Profile{FirstName: "Grace", LastName: "Hopper", Bio: str("old"), PhoneNumber: str("+441234567890")}, nil},
		{"null clears bio and phone", user.ProfilePatch{Bio: user.Optional{Set: true}, PhoneNumber: user.Optional{Set: true}},
			user.Profile{FirstName: "Ada", LastName: "Lovelace"}, nil},
		{"new bio and phone", user.ProfilePatch{Bio: user.Optional{Set: true, Value: str("new")}, PhoneNumber: user.Optional{Set: true, Value: str("+1234567890")}},
			user.Profile{FirstName: "Ada", LastName: "Lovelace", Bio: str("new"), PhoneNumber: str("+1234567890")}, nil},
		{"empty name", user.ProfilePatch{FirstName: str(" ")}, base, []string{"first_name"}},
		{"long name", user.ProfilePatch{LastName: str(strings.Repeat("x", 101))}, base, []string{"last_name"}},
		{"100 characters is fine", user.ProfilePatch{LastName: str(strings.Repeat("é", 100))},
			user.Profile{FirstName: "Ada", LastName: strings.Repeat("é", 100), Bio: str("old"), PhoneNumber: str("+441234567890")}, nil},
		{"long bio", user.ProfilePatch{Bio: user.Optional{Set: true, Value: str(strings.Repeat("b", 501))}}, base, []string{"bio"}},
		{"bad phones and name together", user.ProfilePatch{FirstName: str(""), PhoneNumber: user.Optional{Set: true, Value: str("12345")}}, base, []string{"first_name", "phone_number"}},
		{"phone with leading zero", user.ProfilePatch{PhoneNumber: user.Optional{Set: true, Value: str("+0123")}}, base, []string{"phone_number"}},
		{"phone too long", user.ProfilePatch{PhoneNumber: user.Optional{Set: true, Value: str("+1234567890123456")}}, base, []string{"phone_number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := base.Apply(tt.patch)
			var errs user.ValidationErrors
			errors.As(err, &errs)
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tt.errFields, ",") {
				t.Fatalf("error fields = %v, want %v (err %v)", fields, tt.errFields, err)
			}
			if err == nil && !sameProfile(got, tt.want) {
				t.Errorf("Apply = %+v, want %+v", got, tt.want)
			}
			if err != nil && !sameProfile(got, base) {
				t.Errorf("failed Apply returned a changed profile %+v", got)
			}
		})
	}
}

func sameProfile(a, b user.Profile) bool {
	eq := func(x, y *string) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	return a.FirstName == b.FirstName && a.LastName == b.LastName && eq(a.Bio, b.Bio) && eq(a.PhoneNumber, b.PhoneNumber)
}

func TestParseID(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{
		"507f1f77bcf86cd799439011": true, "507F1F77BCF86CD799439011": false, "507f1f77bcf86cd79943901": false,
		"507f1f77bcf86cd79943901g": false, "": false, "$ne": false,
	} {
		_, err := user.ParseID("user_id", in)
		var ve *user.ValidationError
		if (err == nil) != ok || (err != nil && (!errors.As(err, &ve) || ve.Field != "user_id" || ve.Kind != user.Invalid)) {
			t.Errorf("ParseID(%q) = %v, want ok=%v with an invalid user_id", in, err, ok)
		}
	}
}

func TestSessionValid(t *testing.T) {
	t.Parallel()
	u := &user.User{TokenEpoch: 0}
	if !u.SessionValid("a", 0) {
		t.Fatal("a session of the current epoch is invalid")
	}
	u.ChangePassword("h2", "a")
	if !u.SessionValid("a", 0) || u.SessionValid("b", 0) || !u.SessionValid("c", 1) {
		t.Fatal("after a change from session a: a and new sessions must be valid, b must not")
	}
	u.ChangePassword("h3", "c")
	if u.SessionValid("a", 0) || !u.SessionValid("c", 1) {
		t.Fatal("after a change from session c: a must be invalid, c valid")
	}
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := fake.NewUsers()
	u := user.New("000000000000000000000001", "a@example.com", "h", user.Profile{FirstName: "A", LastName: "B"}, time.Now())
	if err := store.Insert(ctx, u); err != nil {
		t.Fatal(err)
	}
	svc := user.NewService(store)
	got, err := svc.UpdateProfile(ctx, u.ID, user.ProfilePatch{FirstName: str("Z")})
	if err != nil || got.Profile.FirstName != "Z" {
		t.Fatalf("UpdateProfile = %+v, %v", got, err)
	}
	long := strings.Repeat("x", user.MaxNameLen+1)
	if _, err := svc.UpdateProfile(ctx, u.ID, user.ProfilePatch{FirstName: str("Y"), LastName: &long}); err == nil {
		t.Fatal("an invalid patch was applied")
	}
	if stored, _ := store.ByID(ctx, u.ID); stored.Profile.FirstName != "Z" || stored.Profile.LastName != "B" {
		t.Fatalf("an invalid patch changed the stored profile to %+v", stored.Profile)
	}
	if _, err := svc.UpdateProfile(ctx, "000000000000000000000009", user.ProfilePatch{}); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("unknown user: got %v", err)
	}
}
