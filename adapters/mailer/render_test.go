package mailer

import (
	"testing"
	"time"
)

func TestExpiresIn(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{30*time.Minute - 80*time.Millisecond, "in 30 minutes"}, // the letter is written a moment after the token
		{time.Minute, "in 1 minute"},
		{20 * time.Second, "in less than a minute"},
		{-time.Minute, "in less than a minute"},
		{time.Hour, "in 1 hour"},
		{90 * time.Minute, "in 1 hour and 30 minutes"},
		{2*time.Hour + time.Minute, "in 2 hours and 1 minute"},
		{5*time.Hour + 20*time.Minute, "in about 5 hours"},
		{24 * time.Hour, "in 1 day"},
		{48 * time.Hour, "in 2 days"},
		{36 * time.Hour, "in 36 hours"},
	} {
		if got := expiresIn(base, base.Add(tc.d)); got != tc.want {
			t.Errorf("expiresIn(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
