package tmplsource

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/tmplsource/ziptest"
)

var (
	file     = ziptest.File
	buildZip = ziptest.Build
)

func TestReadZipRefusesHostile(t *testing.T) {
	for _, tc := range ziptest.HostileZips(DefaultLimits.MaxFiles) {
		t.Run(tc.Name, func(t *testing.T) {
			tree, err := ReadZip("evil.zip", tc.Data, DefaultLimits)
			var ee *EntryError
			if !errors.As(err, &ee) {
				t.Fatalf("ReadZip = %v, %v; want an *EntryError", tree, err)
			}
			if ee.Entry != tc.Entry || !strings.Contains(err.Error(), tc.Reason) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.Entry)) {
				t.Errorf("error %q; want entry %q and %q", err, tc.Entry, tc.Reason)
			}
		})
	}
}

func TestReadZipTooManyBytes(t *testing.T) {
	lim := DefaultLimits
	lim.MaxBytes = 1000
	data := buildZip(file("a.txt", strings.Repeat("a", 600)), file("b.txt", strings.Repeat("b", 600)))
	_, err := ReadZip("big.zip", data, lim)
	if err == nil || !strings.Contains(err.Error(), `"b.txt"`) || !strings.Contains(err.Error(), "more than 1000 bytes") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadZipTopFolder(t *testing.T) {
	data := buildZip(
		ziptest.Entry{Name: "atlassian-connect-express-template-1a2b3c/", Mode: fs.ModeDir | 0o755},
		file("atlassian-connect-express-template-1a2b3c/package.json", `{"name":"x"}`),
		ziptest.Entry{Name: "atlassian-connect-express-template-1a2b3c/bin/run", Data: []byte("#!/bin/sh\n"), Mode: 0o755},
	)
	tree, err := ReadZip("t.zip", data, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(tree.FS["package.json"].Data); got != `{"name":"x"}` {
		t.Errorf("package.json = %q; files %v", got, keys(tree.FS))
	}
	if tree.FS["bin/run"].Mode != 0o755 {
		t.Errorf("bin/run mode %v, want 0755", tree.FS["bin/run"].Mode)
	}
	if tree.Hash != HashBytes(data) {
		t.Errorf("hash %s", tree.Hash)
	}
	// Two top-level entries: nothing is stripped.
	tree, err = ReadZip("t.zip", buildZip(file("a/x", "1"), file("b/y", "2")), DefaultLimits)
	if err != nil || tree.FS["a/x"] == nil || tree.FS["b/y"] == nil {
		t.Errorf("tree %v, err %v", keys(tree.FS), err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// FuzzReadZip: any bytes are either refused or give a tree of clean
// relative paths.
func FuzzReadZip(f *testing.F) {
	f.Add(buildZip(file("t/a.txt", "a"), file("t/b/c.txt", "c")))
	f.Add(buildZip(file("../x", "a")))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxFiles: 50, MaxBytes: 1 << 20, MaxDownload: 1 << 20, MaxRatio: 100}
		tree, err := ReadZip("f.zip", data, lim)
		if err != nil {
			return
		}
		for p := range tree.FS {
			if !fs.ValidPath(p) || strings.Contains(p, `\`) || checkName(p) != "" {
				t.Fatalf("accepted path %q", p)
			}
		}
	})
}

func TestReadDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "views"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "node_modules", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "views", "a.hbs"), []byte("{{a}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".git", "config"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "node_modules", "x", "i.js"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := ReadDir(dir, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sorted(keys(tree.FS)), ","); got != "run.sh,views/a.hbs" {
		t.Errorf("tree %s", got)
	}
	if tree.FS["run.sh"].Mode != 0o755 || !strings.HasPrefix(tree.Hash, "sha256:") {
		t.Errorf("mode %v hash %s", tree.FS["run.sh"].Mode, tree.Hash)
	}
	again, _ := ReadDir(dir, DefaultLimits)
	if again.Hash != tree.Hash {
		t.Error("the hash of the same folder changed")
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "views", "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDir(dir, DefaultLimits); err == nil || !strings.Contains(err.Error(), `refusing entry "views/link": is a symbolic link`) {
		t.Errorf("link: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "views", "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, `a\b`), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDir(dir, DefaultLimits); err == nil || !strings.Contains(err.Error(), "backslash") {
		t.Errorf("backslash: %v", err)
	}
}

func sorted(s []string) []string { sort.Strings(s); return s }
