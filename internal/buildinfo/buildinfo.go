// Package buildinfo words what a binary was built from, for --version:
// the module version (set by go install module@version) and the VCS
// revision that go build stamps when it runs inside a checkout.
package buildinfo

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// String is one line naming the program, its module version, the VCS
// revision (with its time and whether the tree was modified) and the Go
// toolchain, e.g.
//
//	heimdall-mock v1.2.0 (rev 0a1b2c3d4e5f, 2026-08-22T10:00:00Z) go1.24.1
func String(program string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return program + " (no build information)"
	}
	return format(program, info)
}

func format(program string, info *debug.BuildInfo) string {
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var vcs []string
	if rev := settings["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		vcs = append(vcs, "rev "+rev)
	}
	if t := settings["vcs.time"]; t != "" {
		vcs = append(vcs, t)
	}
	if settings["vcs.modified"] == "true" {
		vcs = append(vcs, "modified")
	}
	out := program + " " + version
	if len(vcs) > 0 {
		out += fmt.Sprintf(" (%s)", strings.Join(vcs, ", "))
	}
	if info.GoVersion != "" {
		out += " " + info.GoVersion
	}
	return out
}
