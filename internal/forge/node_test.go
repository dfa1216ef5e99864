package forge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/connectgen/connectgen/internal/testenv"
	"github.com/connectgen/connectgen/scaffold"
)

// Atlassian's manifest validator is a test-only dependency: the tests
// install it from the npm registry into a cache, and connectgen neither
// ships nor embeds it (its licence is the Atlassian Developer Terms).
// @forge/manifest requires tslib without declaring it.
const (
	forgeManifestVersion = "13.7.0"
	tslibVersion         = "2.9.1"
)

// needTool is testenv.Need: skipped under -short naming what the test
// needs, failed without -short when a program is missing.
func needTool(t *testing.T, _ string, tools ...string) {
	t.Helper()
	testenv.Need(t, tools...)
}

var (
	manifestOnce sync.Once
	manifestDir  string
	manifestErr  error
)

// forgeManifest returns the node_modules folder holding @forge/manifest,
// installing it into the user's cache on first use (npm writes to a
// temporary folder that is renamed into place, so a failed install leaves
// nothing half-made).
func forgeManifest(t *testing.T) string {
	t.Helper()
	needTool(t, "checking manifest.yml with @forge/manifest", "node", "npm")
	manifestOnce.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			manifestErr = err
			return
		}
		dir := filepath.Join(cache, "connectgen-tests", "forge-manifest-"+forgeManifestVersion+"-tslib-"+tslibVersion)
		nm := filepath.Join(dir, "node_modules")
		if _, err := os.Stat(filepath.Join(nm, "@forge", "manifest", "package.json")); err == nil {
			manifestDir = nm
			return
		}
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			manifestErr = err
			return
		}
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
		if err != nil {
			manifestErr = err
			return
		}
		defer os.RemoveAll(tmp)
		if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"private": true}`), 0o644); err != nil {
			manifestErr = err
			return
		}
		cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save",
			"@forge/manifest@"+forgeManifestVersion, "tslib@"+tslibVersion)
		cmd.Dir = tmp
		if out, err := cmd.CombinedOutput(); err != nil {
			manifestErr = fmt.Errorf("npm install @forge/manifest: %v\n%s", err, out)
			return
		}
		if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) {
			if _, statErr := os.Stat(filepath.Join(nm, "@forge", "manifest")); statErr != nil {
				manifestErr = err
				return
			}
		}
		manifestDir = nm
	})
	if manifestErr != nil {
		t.Fatal(manifestErr)
	}
	return manifestDir
}

type manifestVerdict struct {
	Full, Trigger struct {
		Success bool `json:"success"`
		Errors  []struct {
			Level, Message, Reference string
			Line                      int
		} `json:"errors"`
	}
}

// validateManifests runs @forge/manifest's FULL and PRODUCT_TRIGGER
// validations on dir/manifest.yml of each dir, in one node process.
func validateManifests(t *testing.T, dirs ...string) []manifestVerdict {
	t.Helper()
	nm := forgeManifest(t)
	script, err := filepath.Abs(filepath.Join("testdata", "validate-manifest.js"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, d := range dirs {
		files = append(files, filepath.Join(d, "manifest.yml"))
	}
	cmd := exec.Command("node", append([]string{script}, files...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nm)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("validate-manifest.js: %v\n%s", err, stderr.Bytes())
	}
	var m map[string]manifestVerdict
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("validate-manifest.js printed %q: %v", out, err)
	}
	vs := make([]manifestVerdict, len(files))
	for i, f := range files {
		v, ok := m[f]
		if !ok {
			t.Fatalf("validate-manifest.js said nothing about %s", f)
		}
		vs[i] = v
	}
	return vs
}

func writeFiles(t *testing.T, dir string, files []scaffold.File) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// remoteOptions are the options of forge new --remote for p: the
// descriptor's baseUrl when it is one a remote can have, else an https
// stand-in (the template's descriptor has {{localBaseUrl}}).
func remoteOptions(p *Plan) GenerateOptions {
	opts := GenerateOptions{Version: "test", Remote: true}
	if remoteBaseURL(p.BaseURL) != nil {
		opts.BaseURL = "https://connect.example.com"
	}
	return opts
}

// TestManifestValidates generates the starter app of the template's
// descriptor and of every real descriptor, as Forge functions and with
// the server as a Forge Remote (--remote), and has Atlassian's validator
// check each manifest.yml: no errors and no warnings.
func TestManifestValidates(t *testing.T) {
	forgeManifest(t)
	inputs := allDescriptors(t)
	var names, dirs []string
	remotes := 0
	for name, src := range inputs {
		p := planOf(t, name, src)
		for _, opts := range []GenerateOptions{{Version: "test"}, remoteOptions(p)} {
			files, err := Generate(p, opts)
			if err != nil {
				t.Fatalf("%s (remote %v): %v", name, opts.Remote, err)
			}
			dir := t.TempDir()
			writeFiles(t, dir, files)
			label := name
			if opts.Remote {
				label += " --remote"
				remotes++
				m, err := os.ReadFile(filepath.Join(dir, "manifest.yml"))
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{"\n  - key: " + RemoteKey + "\n", "\n    - " + ScopeSystemToken + "\n",
					"\n    - key: " + EndpointLifecycle + "\n      remote: " + RemoteKey + "\n      route:\n        path: " + RouteLifecycle + "\n      auth:\n        appSystemToken:\n          enabled: true\n",
					"        - " + eventInstalled + "\n        - " + eventUpgraded + "\n"} {
					if !strings.Contains(string(m), want) {
						t.Errorf("%s: manifest.yml has no %q:\n%s", label, want, m)
					}
				}
				if len(p.Modules) > 0 && !strings.Contains(string(m), "      resolver:\n        endpoint: "+EndpointUI+"\n") {
					t.Errorf("%s: the UI modules' resolver is not the endpoint %s:\n%s", label, EndpointUI, m)
				}
				if len(p.Events) > 0 && !strings.Contains(string(m), "path: "+RouteEvents+"\n") {
					t.Errorf("%s: no %s endpoint for the mapped events:\n%s", label, RouteEvents, m)
				}
				if strings.Contains(string(m), "function:") {
					t.Errorf("%s: a remote app has functions:\n%s", label, m)
				}
			}
			names, dirs = append(names, label), append(dirs, dir)
		}
	}
	for i, v := range validateManifests(t, dirs...) {
		if !v.Full.Success || len(v.Full.Errors) > 0 || !v.Trigger.Success || len(v.Trigger.Errors) > 0 {
			m, _ := os.ReadFile(filepath.Join(dirs[i], "manifest.yml"))
			t.Errorf("%s: @forge/manifest: full %+v, trigger %+v\n%s", names[i], v.Full, v.Trigger, m)
		}
	}
	if len(dirs) != 26 || remotes != 13 {
		t.Errorf("checked %d manifests (%d --remote), want 26: the template and 12 real descriptors, each both ways", len(dirs), remotes)
	}
}

// TestManifestValidatorCanFail proves the check above can fail: a manifest
// with a Connect scope and a trigger without its scope is refused.
func TestManifestValidatorCanFail(t *testing.T) {
	forgeManifest(t)
	p := planOf(t, "atlassian-connect.json", templateDescriptor(t))
	files, err := Generate(p, GenerateOptions{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if f.Path == "manifest.yml" {
			s := strings.Replace(string(f.Content), "    - read:repository:bitbucket\n", "    - repository\n", 1)
			files[i].Content = []byte(s)
		}
	}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	v := validateManifests(t, dir)[0]
	if v.Full.Success || v.Trigger.Success {
		t.Fatalf("a manifest with the Connect scope 'repository' passed: %+v", v)
	}
	joined := fmt.Sprint(v.Full.Errors, v.Trigger.Errors)
	for _, want := range []string{"Invalid 'scopes' permission in the manifest.yml file - 'repository'", "requires 'read:repository:bitbucket' scope"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %q in %s", want, joined)
		}
	}
}
