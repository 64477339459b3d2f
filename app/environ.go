package app

import (
	"slices"
	"strings"
)

// testVariables are AUTHD_* variables the test suite reads, not authd: they are no typo.
var testVariables = []string{"AUTHD_BROWSER_TEST"}

// UnknownVariable is an AUTHD_* environment variable no setting reads, and the setting whose name
// is nearest to it (AUTHD_ACESS_TOKEN_TTL: AUTHD_ACCESS_TOKEN_TTL).
type UnknownVariable struct{ Name, Nearest string }

// UnknownVariables lists environ's AUTHD_* variables ("NAME=value" entries, as os.Environ gives
// them) that no setting reads, apart from the test suite's (AUTHD_TEST_*, AUTHD_BROWSER_TEST).
// Unknown variables are ignored, so a misspelt one would otherwise leave its default in force unseen.
func UnknownVariables(environ []string) []UnknownVariable {
	var known []string
	for _, s := range settings(&Config{}) {
		known = append(known, s.env)
	}
	var out []UnknownVariable
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "AUTHD_") || strings.HasPrefix(name, "AUTHD_TEST_") ||
			slices.Contains(known, name) || slices.Contains(testVariables, name) {
			continue
		}
		nearest, best := "", -1
		for _, k := range known {
			if d := editDistance(name, k); best < 0 || d < best {
				nearest, best = k, d
			}
		}
		out = append(out, UnknownVariable{Name: name, Nearest: nearest})
	}
	return out
}

// editDistance is the Levenshtein distance between a and b: how many single-byte insertions,
// deletions and substitutions turn one into the other.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
