// Package buildinfo reads what a binary knows of its own build: the module
// version, the VCS revision and whether the tree was dirty, and the Go
// version (runtime/debug.ReadBuildInfo). `caucusgate version` prints it and
// the caucusgate_build_info metric carries it.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Info is one binary's build.
type Info struct {
	Version   string // module version; never empty, never a bare "(devel)"
	Revision  string // VCS revision, "unknown" when not stamped
	Modified  bool   // the tree had uncommitted changes
	Time      string // the revision's commit time, RFC 3339, when stamped
	GoVersion string
	Deps      []debug.Module
}

// Read returns the running binary's build.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return FromBuildInfo(nil)
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo turns what ReadBuildInfo returns (nil: nothing) into Info.
func FromBuildInfo(bi *debug.BuildInfo) Info {
	info := Info{Revision: "unknown", GoVersion: runtime.Version()}
	if bi == nil {
		info.Version = "devel (no build information)"
		return info
	}
	info.GoVersion = bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		case "vcs.time":
			info.Time = s.Value
		}
	}
	for _, d := range bi.Deps {
		info.Deps = append(info.Deps, *d)
	}
	info.Version = version(bi.Main.Version, info)
	return info
}

// version says what a "(devel)" build is: go run and go test stamp no
// version, and without VCS stamping (-buildvcs=false, no .git) not even a
// revision.
func version(v string, info Info) string {
	if v != "" && v != "(devel)" {
		return v
	}
	if info.Revision != "unknown" {
		return "devel-" + shortRevision(info.Revision) + dirtySuffix(info.Modified)
	}
	return "devel (not stamped: built by go run or go test, or with -buildvcs=false)"
}

// RevisionLabel is the revision with "-dirty" when the tree was modified.
func (i Info) RevisionLabel() string {
	return i.Revision + dirtySuffix(i.Modified)
}

func dirtySuffix(modified bool) string {
	if modified {
		return "-dirty"
	}
	return ""
}

func shortRevision(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// Devel reports whether this is a development build.
func (i Info) Devel() bool { return strings.HasPrefix(i.Version, "devel") }
