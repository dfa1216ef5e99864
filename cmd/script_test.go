package cmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/testenv"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"connectgen": func() { os.Exit(Main()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script against the
// connectgen binary.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds:                scriptCmds(),
		Setup: func(env *testscript.Env) error {
			// npm and node want a writable home; the script's own work
			// directory keeps each script apart.
			env.Setenv("HOME", filepath.Join(env.WorkDir, ".home"))
			return os.MkdirAll(filepath.Join(env.WorkDir, ".home"), 0o755)
		},
	})
}

// scriptCmds are the custom commands the scripts may use.
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){
		// newapp DIR: the bitbucket app rendered into DIR with apptest's
		// fixed values and the shared node_modules (installed on the
		// script's Node version) linked in.
		"newapp": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 1 {
				ts.Fatalf("usage: newapp DIR")
			}
			// Scripts that use it skip under -short; without -short a
			// missing node or npm fails with the command that installs it.
			ts.Check(testenv.Check("node", "npm"))
			ts.Check(apptest.NewProjectFor(ts.MkAbs(args[0]), scriptNode(ts)))
		},
	}
	for _, extra := range extraScriptCmds {
		for name, fn := range extra {
			cmds[name] = fn
		}
	}
	return cmds
}

// extraScriptCmds are the command sets of the other commands' scripts.
var extraScriptCmds []map[string]func(ts *testscript.TestScript, neg bool, args []string)
