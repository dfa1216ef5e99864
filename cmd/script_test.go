package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/testenv"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"connectgen": func() { os.Exit(testMain()) },
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

// testMain is the binary the scripts run: Main with the test hooks, which
// the released binary does not have.
//
//   - CONNECTGEN_TEST_NOW (Unix seconds) fixes the clock, for tokens that
//     do not change from run to run.
//   - CONNECTGEN_TEST_WRITE_PAUSE=FILE makes new stop after its first
//     staged file, write "staged 1 of N" to FILE and wait there for Ctrl-C:
//     the script then knows for certain that its interruption came in the
//     middle of the write.
func testMain() int {
	f := newFactory()
	if s := os.Getenv("CONNECTGEN_TEST_NOW"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "CONNECTGEN_TEST_NOW=%q: %v\n", s, err)
			return ExitUsage
		}
		f.Now = func() time.Time { return time.Unix(n, 0) }
	}
	if marker := os.Getenv("CONNECTGEN_TEST_WRITE_PAUSE"); marker != "" {
		f.afterStaged = func(ctx context.Context, staged, total int) {
			if staged != 1 {
				return
			}
			if err := os.WriteFile(marker, fmt.Appendf(nil, "staged %d of %d\n", staged, total), 0o644); err != nil {
				panic(err) // the script waits for the marker and fails without it
			}
			<-ctx.Done()
		}
	}
	return mainWith(f)
}
