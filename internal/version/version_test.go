package version

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want Info
	}{
		{"no build information", nil, false, Info{"(devel)", "unknown", runtime.Version()}},
		{"go test: no version, no VCS", &debug.BuildInfo{GoVersion: "go1.26.0"}, true,
			Info{"(devel)", "unknown", "go1.26.0"}},
		{"build from a source tree", &debug.BuildInfo{
			GoVersion: "go1.26.0",
			Main:      debug.Module{Path: "abaco", Version: "(devel)"},
			Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "acc4fd7e0d"},
				{Key: "vcs.modified", Value: "true"},
			},
		}, true, Info{"(devel)", "acc4fd7e0d", "go1.26.0"}},
		{"module version", &debug.BuildInfo{
			GoVersion: "go1.26.1",
			Main:      debug.Module{Path: "abaco", Version: "v1.2.3"},
			Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}},
		}, true, Info{"v1.2.3", "0123abcd", "go1.26.1"}},
		{"empty revision", &debug.BuildInfo{
			GoVersion: "go1.26.0",
			Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: ""}},
		}, true, Info{"(devel)", "unknown", "go1.26.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fromBuildInfo(tt.bi, tt.ok); got != tt.want {
				t.Errorf("fromBuildInfo = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestGet(t *testing.T) {
	got := Get()
	if got.Version == "" || got.Revision == "" || got.GoVersion != runtime.Version() {
		t.Errorf("Get() = %+v: want every field set, GoVersion %s", got, runtime.Version())
	}
}
