package steps

import (
	"regexp"
	"strings"
	"testing"
)

func TestExpandGeneratesRemembersAndRewrites(t *testing.T) {
	t.Parallel()
	w := &world{domain: "s1-2", vars: map[string]string{"alice.id": "42"}}
	for _, tc := range []struct{ in, want string }{
		{`{"bio": "{3 × "ab"}c"}`, `{"bio": "abababc"}`},
		{`{2 * "é"}`, "éé"},
		{`{2 × "say \"hi\""}`, `say "hi"say "hi"`},
		{`{0 × "x"}`, ""},
		{"/users/{alice.id}", "/users/42"},
		{"ALICE@EXAMPLE.COM and bob@example.com", "ALICE@s1-2.EXAMPLE.COM and bob@s1-2.example.com"},
		{"{3 × \"{alice.id}\"}", "424242"},
	} {
		got, err := w.expand(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := w.expand("{nobody}"); err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("expand of an unknown name: %v", err)
	}
	if _, err := w.expand(`{99999999999 × "x"}`); err == nil {
		t.Error("expand made a value past the limit")
	}
}

func TestQuotedArgumentsTakeEscapedQuotes(t *testing.T) {
	t.Parallel()
	re := `^the response header "([^"]*)" should be ` + quoted + `$`
	step := `the response header "WWW-Authenticate" should be "Bearer error=\"invalid_token\""`
	m := mustMatch(t, re, step)
	if got := unquote(m[2]); got != `Bearer error="invalid_token"` {
		t.Errorf("unquote = %q", got)
	}
	m = mustMatch(t, `^x `+quoted+`$`, `x "^\d{4}-\d\d$"`)
	if got := unquote(m[1]); got != `^\d{4}-\d\d$` {
		t.Errorf("a regular expression's backslashes changed: %q", got)
	}
}

func TestLastNameIsTheLocalPartCapitalised(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"zara@example.com": "Zara", "olga.new@example.com": "Olga.new", "ümit@example.com": "Ümit",
	} {
		if got := lastName(in); got != want {
			t.Errorf("lastName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSharedTargetsGiveEachScenarioANetworkOfItsOwn(t *testing.T) {
	t.Parallel()
	ip, net6 := clientAddress(7, false)
	if ip != "198.18.0.7" || net6 != "2001:db8:0:7" {
		t.Errorf("fresh target: %s, %s", ip, net6)
	}
	seen := map[string]bool{}
	for n := range int64(1000) {
		ip, net6 := clientAddress(n, true)
		if ip != net6+"::1" || seen[net6] {
			t.Fatalf("scenario %d: %s in %s (seen: %v)", n, ip, net6, seen[net6])
		}
		seen[net6] = true
		// A service counting /48s still tells them apart.
		if slash48 := net6[:strings.LastIndex(net6, ":")]; seen[slash48] {
			t.Fatalf("scenario %d shares the /48 %s", n, slash48)
		} else {
			seen[slash48] = true
		}
	}
}

func mustMatch(t *testing.T, expr, text string) []string {
	t.Helper()
	m := regexp.MustCompile(expr).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%q does not match %s", text, expr)
	}
	return m
}
