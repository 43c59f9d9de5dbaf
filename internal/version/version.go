// Package version says which build of abaco is running, from the build
// information the Go toolchain embeds in every binary. The /metrics gauge
// abaco_build_info and the abaco version command both read it here.
package version

import (
	"runtime"
	"runtime/debug"
)

// Info identifies a build of abaco.
type Info struct {
	// Version is the main module's version, "(devel)" for a build from a
	// source tree rather than of a tagged module version.
	Version string
	// Revision is the VCS commit the binary was built from, "unknown"
	// when the build recorded none (go test, or a build outside a
	// repository or with -buildvcs=false).
	Revision string
	// GoVersion is the version of the Go toolchain that built the binary.
	GoVersion string
}

// Get returns the Info of the running binary.
func Get() Info {
	return fromBuildInfo(debug.ReadBuildInfo())
}

// fromBuildInfo reads an Info from the result of debug.ReadBuildInfo.
func fromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	info := Info{Version: "(devel)", Revision: "unknown", GoVersion: runtime.Version()}
	if !ok || bi == nil {
		return info
	}
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && s.Value != "" {
			info.Revision = s.Value
		}
	}
	return info
}
