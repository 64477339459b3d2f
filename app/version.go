package app

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// build is what the binary knows of how it was built.
type build struct {
	version, revision, goVersion string
	modified                     bool
}

// readBuild reads the module version and the VCS stamp go build records (vcs.revision is there
// when the binary was built inside a git checkout with -buildvcs on, its default).
func readBuild() build {
	b := build{version: "(devel)", goVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if info.Main.Version != "" {
		b.version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.revision = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// Version describes the running binary: module version, VCS revision when the build has one, and
// the Go release it was built with.
func Version() string { return readBuild().String() }

func (b build) String() string {
	if b.revision == "" {
		return fmt.Sprintf("authd %s (no VCS revision in this build, %s)", b.version, b.goVersion)
	}
	dirty := ""
	if b.modified {
		dirty = "+dirty"
	}
	return fmt.Sprintf("authd %s (revision %s%s, %s)", b.version, b.revision, dirty, b.goVersion)
}

// buildInfoGauge is authd_build_info, always 1: its labels say which build answers a scrape.
func buildInfoGauge(b build) prometheus.Gauge {
	rev := b.revision
	if rev == "" {
		rev = "unknown"
	} else if b.modified {
		rev += "+dirty"
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "authd_build_info",
		Help:        "Always 1; the labels name the running build: module version, VCS revision and Go release.",
		ConstLabels: prometheus.Labels{"version": b.version, "revision": rev, "goversion": b.goVersion},
	})
	g.Set(1)
	return g
}
