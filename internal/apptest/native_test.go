package apptest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/testenv"
)

// TestNoNativePartsInTheInstalledTree installs the generated app's
// dependencies on every supported Node version and fails when any package
// has an install script, a binding.gyp or a native addon.
func TestNoNativePartsInTheInstalledTree(t *testing.T) {
	for _, node := range testenv.Nodes(t) {
		t.Run(node.Name(), func(t *testing.T) {
			nm, err := NodeModulesFor(node)
			if err != nil {
				t.Fatal(err)
			}
			found, err := NativeParts(nm)
			if err != nil {
				t.Fatal(err)
			}
			if len(found) > 0 {
				t.Errorf("the installed tree needs install scripts or native code:\n%s", strings.Join(found, "\n"))
			}
			// The walk saw the tree: ACE and pg are in it.
			for _, p := range []string{"atlassian-connect-express", "pg", "express"} {
				if _, err := os.Stat(filepath.Join(nm, p, "package.json")); err != nil {
					t.Errorf("%s is not installed: %v", p, err)
				}
			}
		})
	}
}

// TestNativePartsFindsEach checks the walk on a made-up tree with one of
// each thing it must find, nested and scoped.
func TestNativePartsFindsEach(t *testing.T) {
	nm := t.TempDir()
	files := map[string]string{
		"plain/package.json":                          `{"name":"plain","scripts":{"test":"x","prepare":"y"}}`,
		"sqlite3/package.json":                        `{"name":"sqlite3","scripts":{"install":"prebuild-install -r napi || node-gyp rebuild"}}`,
		"sqlite3/binding.gyp":                         `{}`,
		"@scope/pre/package.json":                     `{"name":"@scope/pre","scripts":{"preinstall":"node x.js"}}`,
		"outer/node_modules/inner/package.json":       `{"name":"inner","scripts":{"postinstall":"node y.js"}}`,
		"gyp/package.json":                            `{"name":"gyp","gypfile":true}`,
		"@ngrok/ngrok-linux-x64-gnu/package.json":     `{"name":"@ngrok/ngrok-linux-x64-gnu"}`,
		"@ngrok/ngrok-linux-x64-gnu/ngrok.linux.node": "\x7fELF",
		"broken/package.json":                         `{`,
	}
	for name, content := range files {
		p := filepath.Join(nm, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, err := NativeParts(nm)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"@ngrok/ngrok-linux-x64-gnu: native addon ngrok.linux.node",
		"@scope/pre: preinstall script node x.js",
		"gyp: gypfile",
		"outer/node_modules/inner: postinstall script node y.js",
		"sqlite3: binding.gyp",
		"sqlite3: install script prebuild-install -r napi || node-gyp rebuild",
	}
	if strings.Join(found, "\n") != strings.Join(want, "\n") {
		t.Errorf("found:\n%s\nwant:\n%s", strings.Join(found, "\n"), strings.Join(want, "\n"))
	}
}
