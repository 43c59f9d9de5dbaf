package main

import (
	"context"
	"fmt"

	buildinfo "abaco/internal/version" // "version" is main's -ldflags variable
)

// runVersion prints the version, the VCS revision and the Go toolchain of
// this binary, e.g. "abaco v1.2.3 rev 378090893c34... go1.26.8".
func runVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "version", "abaco version (or abaco --version, -v)",
		`Prints the version of this abaco binary: the one set at build time
(-ldflags "-X main.version=v1.2.3", as the Dockerfile does), else the module
version go build recorded ("(devel)", or a pseudo-version with the commit
date); then the VCS revision it was built from ("unknown" when go build
recorded none: -buildvcs=false, a git worktree, no repository) and the Go
version that built it. "go version -m abaco" shows the same and more.`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	v := buildinfo.Resolve(version)
	fmt.Fprintf(env.Stdout, "abaco %s rev %s %s\n", v.Version, v.Revision, v.GoVersion)
	return nil
}
