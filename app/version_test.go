package app

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestVersionNamesTheRevision(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		b    build
		want string
	}{
		{build{version: "v1.2.0", revision: "0123abc", goVersion: "go1.26.8"}, "authd v1.2.0 (revision 0123abc, go1.26.8)"},
		{build{version: "(devel)", revision: "0123abc", modified: true, goVersion: "go1.26.8"}, "authd (devel) (revision 0123abc+dirty, go1.26.8)"},
		{build{version: "(devel)", goVersion: "go1.26.8"}, "authd (devel) (no VCS revision in this build, go1.26.8)"},
	} {
		if got := tt.b.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.b, got, tt.want)
		}
	}
}

func TestBuildInfoGauge(t *testing.T) {
	t.Parallel()
	g := buildInfoGauge(build{version: "v1.2.0", revision: "0123abc", modified: true, goVersion: "go1.26.8"})
	want := `
# HELP authd_build_info Always 1; the labels name the running build: module version, VCS revision and Go release.
# TYPE authd_build_info gauge
authd_build_info{goversion="go1.26.8",revision="0123abc+dirty",version="v1.2.0"} 1
`
	if err := testutil.CollectAndCompare(g, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
