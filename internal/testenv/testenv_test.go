package testenv

import (
	"strings"
	"testing"
)

func TestCheckNamesTheMissingProgram(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CHROMIUM", "/nonexistent/chromium")
	for name, want := range map[string]string{
		"node":     "apt-get install nodejs npm",
		"npm":      "apt-get install npm",
		"chromium": "apt-get install chromium chromium-driver",
	} {
		err := Check(name)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "make test-deps") {
			t.Errorf("Check(%q) = %v; want the install command %q", name, err, want)
		}
	}
	if err := Check("ruby"); err == nil || !strings.Contains(err.Error(), `unknown program "ruby"`) {
		t.Errorf("Check(ruby) = %v", err)
	}
}

func TestCheckFindsWhatIsThere(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir)
	t.Setenv("CHROMIUM", "/bin/sh")
	if err := Check("chromium"); err != nil {
		t.Errorf("CHROMIUM=/bin/sh: %v", err)
	}
}
