package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	stamped := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}
	for _, tc := range []struct {
		name         string
		bi           *debug.BuildInfo
		wantVersion  string
		wantRevision string
	}{
		{"nothing", nil, "devel (no build information)", "unknown"},
		{"release", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3", "unknown"},
		{"devel stamped", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: stamped}, "devel-0123456789ab-dirty", "0123456789abcdef0123-dirty"},
		{"devel unstamped", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "devel (not stamped: built by go run or go test, or with -buildvcs=false)", "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FromBuildInfo(tc.bi)
			if got.Version != tc.wantVersion || got.RevisionLabel() != tc.wantRevision {
				t.Errorf("version %q revision %q, want %q %q", got.Version, got.RevisionLabel(), tc.wantVersion, tc.wantRevision)
			}
			if got.Version == "(devel)" || !strings.HasPrefix(got.GoVersion, "go") {
				t.Errorf("bad info %+v", got)
			}
		})
	}
}
