package cmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestReleaseBinaryHasNoTestHooks builds connectgen as the Makefile does
// and checks that none of the test hooks (CONNECTGEN_TEST_*) is in it:
// they live in the tests' entry point (testMain) only.
func TestReleaseBinaryHasNoTestHooks(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "connectgen")
	build := exec.Command("go", "build", "-ldflags", "-s -w", "-o", bin, "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.Index(b, []byte("CONNECTGEN_TEST")); i >= 0 {
		end := min(i+40, len(b))
		t.Errorf("the binary holds a test hook: %q", b[i:end])
	}
}
