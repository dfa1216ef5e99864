package runner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/connectgen/connectgen/internal/hostsim"
)

// TestLocalHostRecord: run --local's record reads back with its key, for
// the same app only, and only its owner can read it.
func TestLocalHostRecord(t *testing.T) {
	dir := t.TempDir()
	rec, err := NewLocalHost("127.0.0.1:4242", "http://127.0.0.1:3000")
	if err != nil {
		t.Fatal(err)
	}
	path, err := rec.Record(dir)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, ".connectgen", "local-host.json") {
		t.Errorf("recorded at %s", path)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("record's mode: %v %v", fi.Mode(), err)
	}
	got, err := ReadLocalHost(dir, "http://127.0.0.1:3000/")
	if err != nil || got == nil {
		t.Fatalf("ReadLocalHost: %v %v", got, err)
	}
	var opts hostsim.Options
	if err := got.HostOptions(&opts); err != nil {
		t.Fatal(err)
	}
	if opts.InstallKeyID != rec.KeyID || opts.InstallKey == nil || !opts.InstallKey.Equal(rec.key) || got.Addr != "127.0.0.1:4242" {
		t.Errorf("read back %+v, key id %q", got, opts.InstallKeyID)
	}
	if other, err := ReadLocalHost(dir, "http://127.0.0.1:4000"); other != nil || err != nil {
		t.Errorf("another app's record: %v %v", other, err)
	}
	if none, err := ReadLocalHost(t.TempDir(), "http://127.0.0.1:3000"); none != nil || err != nil {
		t.Errorf("no record: %v %v", none, err)
	}
}
