package suite

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAndKeepsEveryAlternative(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ a, b, want string }{
		{"", "", ""},
		{"@mail", "", "@mail"},
		{"", "~@mail", "~@mail"},
		{"@a,@b", "~@c", "@a && ~@c,@b && ~@c"},
		{"@a", "@b,@c", "@a && @b,@a && @c"},
	} {
		if got := and(tc.a, tc.b); got != tc.want {
			t.Errorf("and(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestMatchesReadsTagsAsGodogDoes(t *testing.T) {
	t.Parallel()
	tags := map[string]bool{"@mail": true, "@direct": true}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"", true},
		{"@mail", true},
		{"mail", true},
		{"~@mail", false},
		{"~@operator", true},
		{"@operator,@direct", true},
		{"@mail && ~@direct", false},
		{"@mail && ~@operator", true},
		{"~@containers && ~@operator, @mail && @direct", true},
	} {
		if got := matches(tc.expr, tags); got != tc.want {
			t.Errorf("matches(%q) = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestParseCountsOutlineRowsAndInheritsTags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	feature := `@mail
Feature: f
  Background:
    Given a registered user "a@example.com"

  @direct
  Scenario: one
    Then the response status should be 200

  Scenario Outline: rows
    Then the response status should be <s>

    Examples:
      | s   |
      | 200 |

    @signing-key
    Examples:
      | s   |
      | 401 |
      | 403 |
`
	file := filepath.Join(dir, "f.feature")
	if err := os.WriteFile(file, []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	all, err := parse([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var direct, signing int
	for _, sc := range all {
		if !sc.tags["@mail"] {
			t.Errorf("a scenario lacks its feature's tag: %v", sc.tags)
		}
		if sc.tags["@direct"] {
			direct++
		}
		if sc.tags["@signing-key"] {
			signing++
		}
	}
	if len(all) != 4 || direct != 1 || signing != 2 {
		t.Errorf("%d scenarios, %d @direct, %d @signing-key; want 4, 1, 2", len(all), direct, signing)
	}
	one, err := parse([]string{file + ":10"})
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 3 {
		t.Errorf("the outline on line 10 is %d scenarios, want 3", len(one))
	}
}
