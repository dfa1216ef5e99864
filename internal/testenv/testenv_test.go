package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckNamesTheMissingProgram(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CHROMIUM", "/nonexistent/chromium")
	for name, want := range map[string]string{
		"node":     "apt-get install nodejs npm",
		"npm":      "apt-get install nodejs npm",
		"chromium": "apt-get install chromium chromium-driver",
	} {
		err := Check(name)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "make test-deps") {
			t.Errorf("Check(%q) = %v; want the install command %q", name, err, want)
		}
	}
	if err := Check("ruby"); err == nil || !strings.Contains(err.Error(), `unknown program "ruby"`) ||
		!strings.Contains(err.Error(), "chromium, node, node-versions, npm, postgres") {
		t.Errorf("Check(ruby) = %v", err)
	}
}

func TestCheckFindsWhatIsThere(t *testing.T) {
	dir := t.TempDir()
	// npm alone is not enough: it runs on node.
	if err := os.WriteFile(filepath.Join(dir, "npm"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if err := Check("npm"); err == nil || !strings.Contains(err.Error(), "Node.js, npm") {
		t.Errorf("npm without node: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "node"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Check("node", "npm"); err != nil {
		t.Errorf("node and npm on PATH: %v", err)
	}
	t.Setenv("CHROMIUM", "/bin/sh")
	if err := Check("chromium"); err != nil {
		t.Errorf("CHROMIUM=/bin/sh: %v", err)
	}
}
