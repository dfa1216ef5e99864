package cmd

import (
	"context"
	"os"
	"path/filepath"
	"testing"
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
