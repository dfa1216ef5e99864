// Package build reports which connectgen this is. The Makefile sets Version
// with -ldflags; a binary built by `go install …@vX` falls back to the module
// version recorded in its build info.
package build

import "runtime/debug"

// Version is set at link time: -ldflags "-X github.com/connectgen/connectgen/internal/build.Version=v1.2.3".
var Version = ""

// String returns the version of this binary, "dev" when nothing recorded one.
func String() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
