package zxcvbnmeter_test

import (
	"strings"
	"testing"

	"github.com/authd/authd/adapters/zxcvbnmeter"
	"github.com/authd/authd/core/credential"
)

// worstCase is the costliest input found for zxcvbn: every l33t symbol it knows, repeated. Each
// symbol multiplies the substitutions its dictionary matcher tries on every substring.
var worstCase = strings.Repeat("4@8({[<3&6#1!|70$5+%2", 7)[:credential.MaxPasswordLen]

// BenchmarkStrength compares what the meter costs on the worst case cut to what credential.Policy
// lets it see (MaxScoredLen) with what it would cost on the whole of the longest allowed password.
// Compare the ratio, not the times: `go test -run '^$' -bench . ./adapters/zxcvbnmeter`.
func BenchmarkStrength(b *testing.B) {
	inputs := []string{"alice@example.com", "Alice", "Example"}
	for _, in := range []struct {
		name     string
		password string
	}{
		{"worst/scored-prefix", worstCase[:credential.MaxScoredLen]},
		{"worst/whole-128", worstCase},
		{"typical/16", "Tr0ub4dor&3xyz!!"},
	} {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				zxcvbnmeter.Meter{}.Strength(in.password, inputs)
			}
		})
	}
}
