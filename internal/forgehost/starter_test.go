package forgehost

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/forge"
	"github.com/connectgen/connectgen/internal/testenv"
	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// starterFiles renders the starter Forge app connectgen forge new writes
// for a descriptor.
func starterFiles(t testing.TB, name string, src []byte) ([]scaffold.File, bool) {
	t.Helper()
	p, err := forge.NewPlan(descriptor.Validate(name, src, descriptor.Options{}))
	if err != nil {
		return nil, false // not a Bitbucket descriptor
	}
	files, err := forge.Generate(p, forge.GenerateOptions{Version: "test"})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return files, true
}

func templateDescriptor(t testing.TB) []byte {
	t.Helper()
	files, err := renderBuiltin("bitbucket", scaffold.Data{
		Name: "a-quick-addon", Key: "a-quick-addon", AppName: "A Quick Addon", Description: "A Bitbucket Cloud Connect app",
		VendorName: "Example Vendor", VendorURL: "https://example.com", Template: "bitbucket", Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == "atlassian-connect.json" {
			return f.Content
		}
	}
	t.Fatal("the bitbucket template has no atlassian-connect.json")
	return nil
}

// writeStarter writes a starter into a new folder with the shared
// node_modules, after edit (path → function of the old content) changes
// some of its files.
func writeStarter(t testing.TB, files []scaffold.File, edit map[string]func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		c := string(f.Content)
		if e, ok := edit[f.Path]; ok {
			n := e(c)
			if n == c {
				t.Fatalf("the edit of %s changed nothing", f.Path)
			}
			c = n
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	linkStarterModules(t, dir, files)
	return dir
}

// linkStarterModules links into dir the starter's own npm dependencies,
// the same install as internal/forge's and cmd's starter tests.
func linkStarterModules(t testing.TB, dir string, files []scaffold.File) {
	t.Helper()
	testenv.Need(t, "npm", "node-versions")
	if err := apptest.LinkForgeModules(dir, files); err != nil {
		t.Fatal(err)
	}
}

// TestSimulateStarters: the starter of the template's descriptor and of
// every real Bitbucket descriptor the project keeps passes forge simulate
// on Node 22 with the real @forge packages, every resolver key, trigger
// event and lifecycle hook called.
func TestSimulateStarters(t *testing.T) {
	descs := map[string][]byte{"template": templateDescriptor(t)}
	paths, err := filepath.Glob("../descriptor/testdata/descriptors/*.json")
	if err != nil || len(paths) < 12 {
		t.Fatalf("want the real descriptors, found %d (%v)", len(paths), err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		descs[filepath.Base(p)] = b
	}
	ran := 0
	for name, src := range descs {
		files, ok := starterFiles(t, name, src)
		if !ok {
			continue
		}
		ran++
		t.Run(name, func(t *testing.T) {
			h := startHost(t, writeStarter(t, files, nil), Options{})
			rep := Simulate(context.Background(), h)
			var text strings.Builder
			if err := rep.WriteText(&text, false); err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Fatalf("forge simulate failed:\n%s", text.String())
			}
			kinds := map[string]int{}
			for _, r := range rep.Results {
				kinds[r.Kind]++
			}
			m := h.Manifest()
			if kinds[KindLifecycle] != 1 || kinds[KindPreUninstall] != len(m.Modules["preUninstall"]) {
				t.Errorf("want the installed trigger and each preUninstall called once:\n%s", text.String())
			}
			if len(m.Modules["trigger"]) > 1 && kinds[KindTrigger] == 0 {
				t.Errorf("the webhook trigger's events were not sent:\n%s", text.String())
			}
		})
	}
	if ran < 8 {
		t.Errorf("only %d descriptors made a starter", ran)
	}
}

// TestSimulateBrokenStarter: the template's starter broken in each way
// fails exactly the one line that runs the broken code, with the reason
// naming the defect; every other line passes.
func TestSimulateBrokenStarter(t *testing.T) {
	files, _ := starterFiles(t, "atlassian-connect.json", templateDescriptor(t))
	cases := []struct {
		name    string
		edit    map[string]func(string) string
		line    string
		reason  []string
		timeout bool
	}{
		{
			name: "throws",
			edit: map[string]func(string) string{"src/index.js": func(s string) string {
				return strings.Replace(s, "console.log('uninstalling');", "throw new TypeError('broken on purpose');", 1)
			}},
			line:   "on-pre-uninstall ← preUninstall",
			reason: []string{"threw TypeError: broken on purpose", "src/index.js:"},
		},
		{
			name: "times out",
			edit: map[string]func(string) string{"src/index.js": func(s string) string {
				return strings.Replace(s, "console.log('uninstalling');", "await new Promise(() => {});", 1)
			}},
			line:    "on-pre-uninstall ← preUninstall",
			reason:  []string{"timed out", "preUninstall"},
			timeout: true,
		},
		{
			name: "scope outside the manifest",
			edit: map[string]func(string) string{"manifest.yml": func(s string) string {
				return strings.Replace(s, "    - read:user:bitbucket\n", "", 1)
			}},
			line:   "resolver#getUser",
			reason: []string{"GET /2.0/user", "read:user:bitbucket", "permissions.scopes lacks"},
		},
		{
			name: "fetch to an undeclared host",
			edit: map[string]func(string) string{"src/resolvers/index.js": func(s string) string {
				return strings.Replace(s, "resolver.define('getContext', ({ context }) => ({", "resolver.define('getContext', async ({ context }) => ({\n  status: await fetch('https://telemetry.example.net/ping').then((r) => r.status, () => 0),", 1)
			}},
			line:   "resolver#getContext",
			reason: []string{"fetch https://telemetry.example.net/ping was refused", "telemetry.example.net is not in", "permissions.external.fetch.backend"},
		},
		{
			name: "answer not serialisable",
			edit: map[string]func(string) string{"src/resolvers/index.js": func(s string) string {
				return strings.Replace(s, "  moduleKey: context.moduleKey,", "  moduleKey: context.moduleKey,\n  refresh: () => context,", 1)
			}},
			line:   "resolver#getContext",
			reason: []string{"not serialisable", "answer.refresh is a function"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := Options{}
			if c.timeout {
				opts.Timeout = 1500 * time.Millisecond
			}
			h := startHost(t, writeStarter(t, files, c.edit), opts)
			rep := Simulate(context.Background(), h)
			var text strings.Builder
			if err := rep.WriteText(&text, false); err != nil {
				t.Fatal(err)
			}
			var failed []*Result
			for _, r := range rep.Results {
				if !r.Passed {
					failed = append(failed, r)
				}
			}
			if len(failed) != 1 || failed[0].Name != c.line {
				t.Fatalf("want exactly %q to fail:\n%s", c.line, text.String())
			}
			for _, w := range c.reason {
				if !strings.Contains(failed[0].Reason, w) {
					t.Errorf("reason %q lacks %q", failed[0].Reason, w)
				}
			}
			if len(rep.Results) < 8 {
				t.Errorf("only %d calls:\n%s", len(rep.Results), text.String())
			}
		})
	}
}

// renderBuiltin renders the built-in template name with data, as
// connectgen new does (without the editor files).
func renderBuiltin(name string, data scaffold.Data) ([]scaffold.File, error) {
	t, version, err := scaffold.Builtin(templates.FS, name)
	if err != nil {
		return nil, err
	}
	rec := scaffold.Record{Template: name, Version: data.Version, TemplateVersion: version, Values: data}
	return t.Render(data, nil, rec)
}
