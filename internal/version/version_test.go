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
		set  string // the version set at build time
		want Info
	}{
		{"no build information", nil, false, "", Info{"(devel)", "unknown", runtime.Version()}},
		{"go test: no version, no VCS", &debug.BuildInfo{GoVersion: "go1.26.0"}, true, "",
			Info{"(devel)", "unknown", "go1.26.0"}},
		{"build from a source tree", &debug.BuildInfo{
			GoVersion: "go1.26.0",
			Main:      debug.Module{Path: "abaco", Version: "(devel)"},
			Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "acc4fd7e0d"},
				{Key: "vcs.modified", Value: "true"},
			},
		}, true, "", Info{"(devel)", "acc4fd7e0d", "go1.26.0"}},
		{"module version", &debug.BuildInfo{
			GoVersion: "go1.26.1",
			Main:      debug.Module{Path: "abaco", Version: "v1.2.3"},
			Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}},
		}, true, "", Info{"v1.2.3", "0123abcd", "go1.26.1"}},
		{"set at build time wins over the module version", &debug.BuildInfo{
			GoVersion: "go1.26.1",
			Main:      debug.Module{Path: "abaco", Version: "v0.0.0-20261202212926-378090893c34+dirty"},
			Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: "378090893c34"}},
		}, true, "v2.0.0", Info{"v2.0.0", "378090893c34", "go1.26.1"}},
		{"set at build time, no build information", nil, false, "dev", Info{"dev", "unknown", runtime.Version()}},
		{"empty revision", &debug.BuildInfo{
			GoVersion: "go1.26.0",
			Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: ""}},
		}, true, "", Info{"(devel)", "unknown", "go1.26.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fromBuildInfo(tt.bi, tt.ok, tt.set); got != tt.want {
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
	if set := Resolve("v9.9.9"); set.Version != "v9.9.9" || set.Revision != got.Revision || set.GoVersion != got.GoVersion {
		t.Errorf(`Resolve("v9.9.9") = %+v, want Get() = %+v with version v9.9.9`, set, got)
	}
}
