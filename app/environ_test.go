package app_test

import (
	"slices"
	"testing"

	"github.com/authd/authd/app"
)

func TestUnknownVariablesNameTheNearestSetting(t *testing.T) {
	t.Parallel()
	got := app.UnknownVariables([]string{
		"AUTHD_ACESS_TOKEN_TTL=10m",    // a letter short
		"AUTHD_HTTP_ADDR=:8080",        // known
		"AUTHD_LOGLEVEL=debug",         // an underscore short
		"AUTHD_TEST_MONGODB_URI=x",     // the test suite's
		"AUTHD_BROWSER_TEST=1",         // the test suite's
		"AUTHD_MONGO_URI=mongodb://db", // a word short
		"HOME=/root",                   // not ours
		"AUTHD_JWT_SECRET==begins with =",
	})
	want := []app.UnknownVariable{
		{Name: "AUTHD_ACESS_TOKEN_TTL", Nearest: "AUTHD_ACCESS_TOKEN_TTL"},
		{Name: "AUTHD_LOGLEVEL", Nearest: "AUTHD_LOG_LEVEL"},
		{Name: "AUTHD_MONGO_URI", Nearest: "AUTHD_MONGODB_URI"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("UnknownVariables = %+v\nwant %+v", got, want)
	}
}
