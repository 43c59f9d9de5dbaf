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
	// Version is the version set at build time when there is one, else
	// the main module's: "(devel)" for a build from a source tree without
	// VCS information, a pseudo-version (v0.0.0-20261202212926-378090893c34,
	// "+dirty" with uncommitted changes) when go build stamped one.
	Version string
	// Revision is the VCS commit the binary was built from, "unknown"
	// when the build recorded none (go test, or a build outside a
	// repository or with -buildvcs=false).
	Revision string
	// GoVersion is the version of the Go toolchain that built the binary.
	GoVersion string
}

// Get returns the Info of the running binary, with no version set at
// build time: Resolve("").
func Get() Info {
	return Resolve("")
}

// Resolve returns the Info of the running binary. A non-empty set is the
// version given at build time (-ldflags "-X main.version=v1.2.3", as the
// Dockerfile does) and wins over the build information's module version,
// which is "(devel)" or a pseudo-version for a build from a source tree;
// the revision and Go version still come from the build information.
func Resolve(set string) Info {
	bi, ok := debug.ReadBuildInfo()
	return fromBuildInfo(bi, ok, set)
}

// fromBuildInfo reads an Info from the result of debug.ReadBuildInfo and
// the version set at build time, if any.
func fromBuildInfo(bi *debug.BuildInfo, ok bool, set string) Info {
	info := Info{Version: "(devel)", Revision: "unknown", GoVersion: runtime.Version()}
	if ok && bi != nil {
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
	}
	if set != "" {
		info.Version = set
	}
	return info
}
