package cmd

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/tmplsource"
	"github.com/connectgen/connectgen/internal/tmplsource/ziptest"
)

// tree lists every path under dir.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	// the test checks the outcome, not this call
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// Every hostile archive, from a file and from a loopback URL, is refused
// with exit 1 naming the entry, and nothing is written: not the project,
// not a temporary folder beside it, not a file outside it.
func TestNewRefusesHostileArchives(t *testing.T) {
	for _, h := range ziptest.HostileZips(tmplsource.DefaultLimits.MaxFiles) {
		t.Run(h.Name, func(t *testing.T) {
			root := t.TempDir()
			src := filepath.Join(root, "evil.zip")
			if err := os.WriteFile(src, h.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			parent := filepath.Join(root, "work")
			if err := os.Mkdir(parent, 0o755); err != nil {
				t.Fatal(err)
			}
			// The zip is what the test checks; a failed write shows there.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(h.Data) }))
			defer srv.Close()
			for _, source := range []string{src, srv.URL + "/Evil.zip"} {
				f, _, errOut := testFactory(&fakePrompter{}, false)
				f.Getenv = func(k string) string {
					if k == "CONNECTGEN_CACHE_DIR" {
						return filepath.Join(root, "cache")
					}
					return ""
				}
				code := execute(context.Background(), f, []string{"new", "shop", "-t", source, "--yes", "--dir", parent})
				if code != ExitFailure {
					t.Fatalf("%s: exit %d, want 1: %s", source, code, errOut)
				}
				if !strings.Contains(errOut.String(), "refusing entry "+strconv.Quote(h.Entry)) || !strings.Contains(errOut.String(), h.Reason) {
					t.Errorf("%s: stderr %q, want the entry %q and %q", source, errOut, h.Entry, h.Reason)
				}
			}
			if got := tree(t, root); strings.Join(got, ",") != "evil.zip,work" {
				t.Errorf("written: %v", got)
			}
			// The absolute entry names /tmp/evil: it must not exist.
			if _, err := os.Lstat("/tmp/evil"); err == nil {
				t.Errorf("/tmp/evil exists")
			}
		})
	}
}

func TestNewSourceUsageErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, source := range []string{"ftp://example.com/t.zip", filepath.Join(dir, "notes.txt"), filepath.Join(dir, "missing"), "https://"} {
		f, _, errOut := testFactory(&fakePrompter{}, false)
		if code := execute(context.Background(), f, []string{"new", "shop", "-t", source, "--yes", "--dir", dir}); code != ExitUsage {
			t.Errorf("%s: exit %d, want 2: %s", source, code, errOut)
		}
		if !strings.Contains(errOut.String(), "an http(s):// URL of a zip, a local .zip file or a local directory") {
			t.Errorf("%s: %s", source, errOut)
		}
	}
	// Plain http to another host is refused before any connection.
	f, _, errOut := testFactory(&fakePrompter{}, false)
	if code := execute(context.Background(), f, []string{"new", "shop", "-t", "http://templates.example.com/t.zip", "--yes", "--dir", dir}); code != ExitFailure ||
		!strings.Contains(errOut.String(), "use https:// or pass --allow-http") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if got := tree(t, dir); strings.Join(got, ",") != "notes.txt" {
		t.Errorf("written: %v", got)
	}
}

// On a terminal a folder template's variables are asked for after the
// standard values, a refused answer is asked again, and choices are a
// selection.
func TestNewInteractiveVariables(t *testing.T) {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "tpl")
	if err := os.MkdirAll(tpl, 0o755); err != nil {
		t.Fatal(err)
	}
	// the test checks the outcome, not this call
	_ = os.WriteFile(filepath.Join(tpl, "connectgen-template.json"), []byte(`{"variables": [
		{"name": "team", "prompt": "Team", "pattern": "[a-z]+"},
		{"name": "tier", "prompt": "Tier", "choices": ["free", "paid"]}]}`), 0o644)
	if err := os.WriteFile(filepath.Join(tpl, "team.txt.tmpl"), []byte("[[ .team ]]/[[ .tier ]]/[[ .Key ]]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &fakePrompter{answers: []string{"", "", "", "", "", "Payments", "payments", "paid"}}
	f, _, errOut := testFactory(p, true)
	f.Getenv = func(k string) string {
		if k == "CONNECTGEN_CACHE_DIR" {
			return filepath.Join(dir, "cache")
		}
		return ""
	}
	if code := execute(context.Background(), f, []string{"new", "shop", "-t", tpl, "--dir", dir}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got, want := strings.Join(p.asked, "|"), "App key|App name|Description|Vendor name|Vendor URL|Team|Team|Tier"; got != want {
		t.Errorf("asked %s, want %s", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "shop", "team.txt")); string(b) != "payments/paid/shop\n" {
		t.Errorf("team.txt = %q", b)
	}
	if !strings.Contains(errOut.String(), `team "Payments" does not match [a-z]+`) {
		t.Errorf("stderr: %s", errOut)
	}
}
