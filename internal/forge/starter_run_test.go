package forge

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/testenv"
	"github.com/connectgen/connectgen/scaffold"
)

// node22 is Node 22 from the test cache: the starter's runtime is
// nodejs22.x.
func node22(t *testing.T) testenv.Node {
	t.Helper()
	testenv.Need(t, "node", "npm", "node-versions")
	n, err := apptest.Node22()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// starterProject writes the starter app of files into a new folder and
// links in its npm dependencies, installed once per test run into the
// shared test cache (apptest.LinkForgeModules, on Node 22).
func starterProject(t *testing.T, files []scaffold.File) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	if err := apptest.LinkForgeModules(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir
}

// bundle builds entry (a path in dir) with esbuild as Forge's bundler
// does: everything imported, from the app's node_modules too, in one
// CommonJS file. platform is node for functions, browser for UI Kit.
func bundle(t *testing.T, dir, entry string, platform api.Platform) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(entry), filepath.Ext(entry))+".cjs")
	r := api.Build(api.BuildOptions{
		AbsWorkingDir: dir,
		EntryPoints:   []string{entry},
		Bundle:        true,
		Platform:      platform,
		Format:        api.FormatCommonJS,
		Engines:       []api.Engine{{Name: api.EngineNode, Version: "22"}},
		Outfile:       out,
		Write:         true,
		LogLevel:      api.LogLevelSilent,
		Define:        map[string]string{"process.env.NODE_ENV": `"production"`},
		Loader:        map[string]api.Loader{".js": api.LoaderJSX},
	})
	if len(r.Errors) > 0 {
		msgs := api.FormatMessages(r.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		t.Fatalf("bundling %s: %s", entry, strings.Join(msgs, "\n"))
	}
	return out
}

// starterRun is what testdata/run-starter.cjs prints.
type starterRun struct {
	Result  json.RawMessage
	Logs    []string
	Calls   []struct{ Type, Provider, Remote, Path, Method string }
	Store   map[string]json.RawMessage
	Renders int
	Texts   []string
	Errors  []string
}

// runStarter runs testdata/run-starter.cjs on node with args.
func runStarter(t *testing.T, node testenv.Node, env []string, args ...string) starterRun {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "run-starter.cjs"))
	if err != nil {
		t.Fatal(err)
	}
	bin, err := node.Node()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{script}, args...)...)
	cmd.Env = node.Env(append(os.Environ(), env...))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run-starter.cjs %s: %v\n%s", args[0], err, stderr.String())
	}
	var r starterRun
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("run-starter.cjs printed %q: %v", out, err)
	}
	return r
}

// linkedTemplateApp serves the bitbucket template's descriptor linked to
// a Forge app (forgeAppLink, forgeAppId) and accepts its lifecycle calls.
func linkedTemplateApp(t *testing.T) string {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(templateDescriptor(t), &d); err != nil {
		t.Fatal(err)
	}
	return serveConnectApp(t, func(base string) map[string]any {
		d["baseUrl"], d["forgeAppLink"], d["forgeAppId"] = base, e2eForgeLink, e2eForgeAppID
		return d
	})
}

// TestStarterRunsOnNode22 installs the starter app of the template's
// descriptor with npm (the versions of package.json), bundles its
// functions and UI Kit pages with esbuild, and runs them on Node 22 with
// the real @forge/* packages: the install trigger migrates the Connect
// installation's data from the local Bitbucket host through route and
// Forge's fetch into the Key-Value Store, the other triggers run, and
// each page renders with what its resolver answers.
func TestStarterRunsOnNode22(t *testing.T) {
	node := node22(t)
	p := planOf(t, "atlassian-connect.json", templateDescriptor(t))
	files, err := Generate(p, GenerateOptions{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	dir := starterProject(t, files)
	backend := bundle(t, dir, "src/index.js", api.PlatformNode)

	t.Run("onInstalled migrates the Connect data", func(t *testing.T) {
		h, err := hostsim.New(hostsim.Options{AppURL: linkedTemplateApp(t), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = h.Close() }) // the test is over
		ctx := context.Background()
		if _, err := h.FetchDescriptor(ctx); err != nil {
			t.Fatal(err)
		}
		inst, err := h.Install(ctx)
		if err != nil {
			t.Fatal(err)
		}
		secrets, _ := json.Marshal(map[string]string{"connect-shared-secret:" + inst.ClientKey: inst.SharedSecret})
		env := []string{
			"FORGE_PRODUCT_URL=" + h.APIURL(), "FORGE_APP_HEADER=" + hostsim.ForgeAppHeader, "FORGE_APP_ID=" + e2eForgeAppID,
			`FORGE_EGRESS={"https://api.bitbucket.org":"` + h.APIURL() + `"}`, "FORGE_SECRETS=" + string(secrets),
		}
		r := runStarter(t, node, env, "function", backend, "onInstalled", `{"eventType":"avi:forge:installed:app"}`)
		var clientKey string
		if err := json.Unmarshal(r.Store["connect-client-key"], &clientKey); err != nil || clientKey != inst.ClientKey {
			t.Errorf("stored client key %s (%v), want %q; logs %v", r.Store["connect-client-key"], err, inst.ClientKey, r.Logs)
		}
		var user map[string]any
		if err := json.Unmarshal(r.Store["connect:/2.0/user"], &user); err != nil || user["display_name"] != h.Sample().UserName {
			t.Errorf("stored /2.0/user %s (%v), want the sample user %q", r.Store["connect:/2.0/user"], err, h.Sample().UserName)
		}
		want := fmt.Sprintf("/2.0/addon/%s/client-key", p.AppKey)
		var sawRoute, sawEgress bool
		for _, c := range r.Calls {
			sawRoute = sawRoute || (c.Type == "fpp" && c.Provider == "app" && c.Remote == "bitbucket" && c.Path == want)
			sawEgress = sawEgress || (c.Type == "egress" && c.Path == "https://api.bitbucket.org/2.0/user")
		}
		if !sawRoute || !sawEgress {
			t.Errorf("calls %+v: want asApp().requestBitbucket(%s) and fetch(https://api.bitbucket.org/2.0/user)", r.Calls, want)
		}
		if !strings.Contains(strings.Join(r.Logs, "\n"), "migrated from Connect installation "+inst.ClientKey) {
			t.Errorf("logs %v", r.Logs)
		}

		// Without the saved shared secret the migration reports why.
		env[len(env)-1] = "FORGE_SECRETS={}"
		r = runStarter(t, node, env, "function", backend, "onInstalled", `{}`)
		if !strings.Contains(strings.Join(r.Logs, "\n"), "no saved shared secret for the Connect installation "+inst.ClientKey) {
			t.Errorf("without a secret, logs %v", r.Logs)
		}
	})

	t.Run("triggers", func(t *testing.T) {
		r := runStarter(t, node, nil, "function", backend, "onEvent", `{"eventType":"avi:bitbucket:push:repository","repository":{"uuid":"{b1}"}}`)
		if got := strings.Join(r.Logs, "\n"); got != "log: event avi:bitbucket:push:repository repository {b1}" {
			t.Errorf("onEvent logged %q", got)
		}
		r = runStarter(t, node, nil, "function", backend, "handler", `{"call":{"functionKey":"getContext"},"context":{"moduleKey":"example-repo-page","extension":{"repository":{"uuid":"{r1}"}}}}`)
		if got := string(r.Result); got != `{"moduleKey":"example-repo-page","extension":{"repository":{"uuid":"{r1}"}}}` {
			t.Errorf("resolver getContext answered %s", got)
		}
		r = runStarter(t, node, nil, "function", backend, "onPreUninstall", `{}`)
		if got := strings.Join(r.Logs, "\n"); got != "log: uninstalling" {
			t.Errorf("onPreUninstall logged %q", got)
		}
	})

	t.Run("pages", func(t *testing.T) {
		var mu sync.Mutex
		var userCalls []string
		bb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			userCalls = append(userCalls, r.URL.Path)
			mu.Unlock()
			if r.URL.Path != "/2.0/user" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"display_name":"Page Viewer"}`)) // a failed write fails the assertions below
		}))
		defer bb.Close()
		env := []string{"FORGE_PRODUCT_URL=" + bb.URL, "FORGE_APP_HEADER=X-Test-App", "FORGE_APP_ID=" + e2eForgeAppID}
		front := bundle(t, dir, "src/frontend/index.jsx", api.PlatformBrowser)
		for _, m := range p.Modules {
			r := runStarter(t, node, env, "ui", front, backend, m.Key, `{"extension":{"type":"`+m.Type+`","repository":{"uuid":"{r1}"}}}`)
			got := strings.Join(r.Texts, "|")
			want := m.Title + "|Hello, Page Viewer|Repository {r1}"
			if len(r.Errors) > 0 || got != want {
				t.Errorf("%s rendered %d times, last texts %q, want %q; errors %v, logs %v", m.Key, r.Renders, got, want, r.Errors, r.Logs)
			}
		}
		n := len(p.Modules)
		if n == 0 {
			t.Fatal("the template's descriptor maps to no module")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(userCalls) != n {
			t.Errorf("Bitbucket saw %v, want /2.0/user once per page", userCalls)
		}
	})
}

// TestStarterBundlesForEveryDescriptor bundles, with esbuild and the
// starter's installed packages, every JavaScript and JSX file of the
// starter app of the template's descriptor and of each real descriptor:
// every import resolves and every file parses. Then it loads each
// function bundle on Node 22, which runs its top level with the real
// @forge/* packages, and checks the exports the manifest names.
func TestStarterBundlesForEveryDescriptor(t *testing.T) {
	node := node22(t)
	inputs := allDescriptors(t)
	if len(inputs) != 13 {
		t.Fatalf("%d descriptors, want 13 (the template and 12 real ones)", len(inputs))
	}
	for name, src := range inputs {
		files, err := Generate(planOf(t, name, src), GenerateOptions{Version: "test"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dir := starterProject(t, files)
		var manifest string
		for _, f := range files {
			switch {
			case f.Path == "manifest.yml":
				manifest = string(f.Content)
			case strings.HasSuffix(f.Path, ".jsx"):
				bundle(t, dir, f.Path, api.PlatformBrowser)
			}
		}
		remote, err := Generate(planOf(t, name, src), remoteOptions(planOf(t, name, src)))
		if err != nil {
			t.Fatalf("%s --remote: %v", name, err)
		}
		checkDepsSubset(t, remote, files)
		rdir := starterProject(t, append(withoutPackageJSON(remote), packageJSON(t, files)))
		bundle(t, rdir, "src/frontend/index.jsx", api.PlatformBrowser)
		backend := bundle(t, dir, "src/index.js", api.PlatformNode)
		r := runStarter(t, node, nil, "exports", backend)
		var exported []string
		if err := json.Unmarshal(r.Result, &exported); err != nil {
			t.Fatalf("%s: exports %s: %v", name, r.Result, err)
		}
		for _, line := range strings.Split(manifest, "\n") {
			if h, ok := strings.CutPrefix(strings.TrimSpace(line), "handler: index."); ok && !slices.Contains(exported, h) {
				t.Errorf("%s: manifest.yml names index.%s; src/index.js exports %v", name, h, exported)
			}
		}
	}
}

// TestRemoteStarterPageCallsTheServer bundles the --remote starter's page
// and renders it on Node 22 with the real @forge/react and @forge/bridge:
// its invokeRemote call reaches the server at POST /forge/ui with the
// UI-call body of the Forge Remote contract, and the page shows the answer.
func TestRemoteStarterPageCallsTheServer(t *testing.T) {
	node := node22(t)
	p := planOf(t, "atlassian-connect.json", templateDescriptor(t))
	files, err := Generate(p, remoteOptions(p))
	if err != nil {
		t.Fatal(err)
	}
	base, err := Generate(p, GenerateOptions{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	checkDepsSubset(t, files, base)
	// The functions starter's install holds every package of the remote one.
	dir := starterProject(t, append(withoutPackageJSON(files), packageJSON(t, base)))
	var mu sync.Mutex
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Call struct {
				FunctionKey string
				Payload     map[string]any
			}
		}
		err := json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		calls = append(calls, fmt.Sprintf("%s %s %s %v", r.Method, r.URL.Path, body.Call.FunctionKey, err))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"fullName":"sample-workspace/sample-repo"}`)) // a failed write fails the assertions below
	}))
	defer srv.Close()
	front := bundle(t, dir, "src/frontend/index.jsx", api.PlatformBrowser)
	env := []string{"FORGE_REMOTE_URL=" + srv.URL}
	for _, m := range p.Modules {
		r := runStarter(t, node, env, "ui", front, "-", m.Key, `{"extension":{"type":"`+m.Type+`","repository":{"uuid":"{r1}"}}}`)
		got := strings.Join(r.Texts, "|")
		if want := m.Title + "|Repository sample-workspace/sample-repo"; len(r.Errors) > 0 || got != want {
			t.Errorf("%s rendered %q, want %q; errors %v, logs %v", m.Key, got, want, r.Errors, r.Logs)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != len(p.Modules) {
		t.Fatalf("the server saw %v, want one call per page", calls)
	}
	for _, c := range calls {
		if c != "POST "+RouteUI+" repository <nil>" {
			t.Errorf("the server saw %q, want POST %s with call.functionKey repository", c, RouteUI)
		}
	}
}

func packageJSON(t *testing.T, files []scaffold.File) scaffold.File {
	t.Helper()
	for _, f := range files {
		if f.Path == "package.json" {
			return f
		}
	}
	t.Fatal("no package.json")
	return scaffold.File{}
}

func withoutPackageJSON(files []scaffold.File) []scaffold.File {
	var out []scaffold.File
	for _, f := range files {
		if f.Path != "package.json" {
			out = append(out, f)
		}
	}
	return out
}

// checkDepsSubset checks that every dependency of sub's package.json is in
// super's at the same version.
func checkDepsSubset(t *testing.T, sub, super []scaffold.File) {
	t.Helper()
	deps := func(files []scaffold.File) map[string]string {
		var pkg struct{ Dependencies map[string]string }
		if err := json.Unmarshal(packageJSON(t, files).Content, &pkg); err != nil {
			t.Fatal(err)
		}
		return pkg.Dependencies
	}
	a, b := deps(sub), deps(super)
	if len(a) == 0 {
		t.Fatal("no dependencies")
	}
	for n, v := range a {
		if b[n] != v {
			t.Errorf("the remote starter depends on %s %s, the functions starter on %q", n, v, b[n])
		}
	}
}
