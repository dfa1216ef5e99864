package apptest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/testenv"
)

// TestDevelopmentKeepsInstallationsAcrossRestart runs the generated app as
// `npm start` does (NODE_ENV unset: development): the local host installs
// it, the installation lands in store.json (readable by its owner only),
// nothing the app prints holds the shared secret, and after a restart a
// signed page for the installation still works.
func TestDevelopmentKeepsInstallationsAcrossRestart(t *testing.T) {
	testenv.Need(t, "npm")
	dir, port := newProjectAndPort(t)
	env := []string{"NODE_ENV=", "PORT=" + strconv.Itoa(port)}
	first, err := Start(dir, env...)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Stop()
	h, err := hostsim.New(hostsim.Options{AppURL: first.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.Close() }() // cleanup at the end of the test; nothing to check
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inst, err := h.Install(ctx)
	if err != nil {
		t.Fatalf("install: %v\n%s", err, first.Output())
	}
	info, err := os.Stat(filepath.Join(dir, "store.json"))
	if err != nil {
		t.Fatalf("no store.json after the install: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("store.json has mode %v, want 0600", info.Mode().Perm())
	}
	first.Stop()
	if !strings.Contains(first.Output(), "Saved tenant details for "+inst.ClientKey) {
		t.Errorf("ACE did not log the install (the filter must keep the line, minus the secret):\n%s", first.Output())
	}
	if strings.Contains(first.Output(), inst.SharedSecret) {
		t.Errorf("the app printed the installation's shared secret:\n%s", first.Output())
	}

	second, err := Start(dir, env...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		second.Stop()
		if t.Failed() {
			t.Logf("app output after the restart:\n%s", second.Output())
		}
	}()
	checkSignedPage(t, h)
	if strings.Contains(second.Output(), inst.SharedSecret) {
		t.Errorf("the app printed the installation's shared secret after the restart")
	}
}
