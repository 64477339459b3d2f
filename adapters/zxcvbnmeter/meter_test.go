package zxcvbnmeter

import (
	"strings"
	"testing"

	"github.com/authd/authd/core/credential"
)

func TestStrength(t *testing.T) {
	t.Parallel()
	inputs := []string{"john.doe@example.com", "John", "Doe"}
	tests := []struct {
		password     string
		strong       bool
		feedbackHint string
	}{
		// The seed's own examples must pass the policy.
		{"SecurePass123!", true, ""},
		{"NewSecurePass123!", true, ""},
		{"OldPassword123!", true, ""},
		{"correct horse battery staple", true, ""},
		{"password", false, "top-10 common password"},
		{"zxcvbnm,./", false, "straight rows of keys"},
		{"aaaaaaaaaaaa", false, "repeats"},
		{"abcdefghijk", false, "sequences"},
		{"examplejohn", false, "name or email"},
		{"Password1", false, "common password"},
	}
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			t.Parallel()
			s := Meter{}.Strength(tt.password, inputs)
			if strong := s.Score >= credential.MinScore; strong != tt.strong {
				t.Fatalf("score %d: strong = %v, want %v (feedback %q)", s.Score, strong, tt.strong, s.Feedback)
			}
			if !tt.strong && !strings.Contains(s.Feedback, tt.feedbackHint) {
				t.Errorf("feedback %q does not mention %q", s.Feedback, tt.feedbackHint)
			}
			if tt.strong && s.Feedback != "" {
				t.Errorf("strong password got feedback %q", s.Feedback)
			}
		})
	}
}
