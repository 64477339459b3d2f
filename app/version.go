package app

import (
	"fmt"
	"runtime/debug"
)

// Version describes the running binary: module version and VCS revision from its build info.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "authd (unknown version)"
	}
	rev, modified := "unknown", ""
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	return fmt.Sprintf("authd %s (revision %s%s, %s)", info.Main.Version, rev, modified, info.GoVersion)
}
