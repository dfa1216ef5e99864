package cmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
)

// TestInterruptKeepsChosenExitCode checks execute's mapping of failures
// after Ctrl-C: an exit code a command chose itself (run passing the
// app's code through, validate's findings) is kept, not turned into 130.
func TestInterruptKeepsChosenExitCode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	bad := filepath.Join(t.TempDir(), "atlassian-connect.json")
	if err := os.WriteFile(bad, []byte(`{"key": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, errOut := testFactory(nil, false)
	if code := execute(ctx, f, []string{"validate", bad}); code != ExitFailure {
		t.Errorf("validate with findings after an interrupt: exit %d, want %d\n%s", code, ExitFailure, errOut)
	}

}

// TestCobraErrorsAreTyped: the errors cobra itself makes (unknown command,
// wrong number of arguments, bad flags) reach execute as *ExitError with
// code 2, so nothing reads their text to pick the exit code.
func TestCobraErrorsAreTyped(t *testing.T) {
	for _, args := range [][]string{
		{"nosuchcommand"},
		{"simulate", "extra"},
		{"simulate", "webhook"},
		{"simulate", "webhook", "a", "b"},
		{"validate", "--no-such-flag"},
		{"run", "--port", "x"},
		{"install-link", "extra"},
	} {
		f, _, _ := serveFactory()
		root := newRootCmd(f)
		root.SetArgs(args)
		root.SetOut(f.IO.Out)
		root.SetErr(f.IO.ErrOut)
		err := root.ExecuteContext(context.Background())
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Code != ExitUsage || ee.Err == nil {
			t.Errorf("%v: error %#v, want an *ExitError with code %d", args, err, ExitUsage)
		}
	}
}

// TestEveryCommandHasExamples: the README promises that every command's
// --help has examples, subcommands and cobra's completion command included.
func TestEveryCommandHasExamples(t *testing.T) {
	f, _, _ := testFactory(nil, false)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		if c.Example == "" {
			t.Errorf("%s --help has no examples", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			if sub.Name() != "help" {
				walk(sub)
			}
		}
	}
	walk(newRootCmd(f))
	if n < 20 {
		t.Errorf("walked %d commands, want every command (at least 20)", n)
	}
}
