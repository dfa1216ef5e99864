package cmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/connectgen/connectgen/internal/testenv"
)

// TestGeneratedAppOnEveryNode runs the scripts of testdata/node once per
// supported Node version (the machine's and the pinned ones of
// internal/testenv/node-versions.txt), with that version first on PATH:
// npm install --ignore-scripts, npm test, the app's start and
// `connectgen simulate` all run on it. Each run is a subtest named after
// the version.
func TestGeneratedAppOnEveryNode(t *testing.T) {
	for _, node := range testenv.Nodes(t) {
		t.Run(node.Name(), func(t *testing.T) {
			testscript.Run(t, testscript.Params{
				Dir:                 "testdata/node",
				RequireExplicitExec: true,
				Cmds:                scriptCmds(),
				Setup: func(env *testscript.Env) error {
					home := filepath.Join(env.WorkDir, ".home")
					env.Setenv("HOME", home)
					env.Setenv("NODE_VERSION", node.Version)
					env.Setenv("NODE_BIN", node.Bin)
					if node.Bin != "" {
						env.Setenv("PATH", node.Bin+string(os.PathListSeparator)+env.Getenv("PATH"))
					}
					return os.MkdirAll(home, 0o755)
				},
			})
		})
	}
}

// scriptNode is the Node version a script runs on: the one named by
// $NODE_VERSION and $NODE_BIN (TestGeneratedAppOnEveryNode), else the
// machine's.
func scriptNode(ts *testscript.TestScript) testenv.Node {
	return testenv.Node{Version: ts.Getenv("NODE_VERSION"), Bin: ts.Getenv("NODE_BIN")}
}
