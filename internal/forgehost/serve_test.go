package forgehost

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/connectgen/connectgen/internal/browsertest"
	"github.com/connectgen/connectgen/internal/testenv"
)

func postCall(t *testing.T, url string, body string) (int, map[string]json.RawMessage) {
	t.Helper()
	resp, err := http.Post(url+"/api/call", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, v
}

// TestServer: forge run --local's API lists the modules by location with
// each resolver's keys, invokes a resolver, a merge check and an event,
// shows storage, serves the page with --serve, refuses a request that is
// not addressed to loopback, and reloads the app when a file changes.
func TestServer(t *testing.T) {
	files, _ := starterFiles(t, "atlassian-connect.json", templateDescriptor(t))
	dir := writeStarter(t, files, nil)
	h := startHost(t, dir, Options{})
	s := &Server{Host: h, Page: true}
	srv := httptest.NewServer(s)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/api/state")
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Modules []ModuleView `json:"modules"`
	}
	err = json.NewDecoder(resp.Body).Decode(&state)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var page *ModuleView
	for i, m := range state.Modules {
		if m.Key == "example-repo-page" {
			page = &state.Modules[i]
		}
	}
	if page == nil || page.Location != "Repository: MainMenuPage" || strings.Join(page.Keys, ",") != "getContext,getUser" {
		t.Fatalf("modules: %+v", state.Modules)
	}

	status, v := postCall(t, srv.URL, `{"module":"bitbucket:repoMainMenuPage:example-repo-page","key":"getContext"}`)
	var res Result
	if status != 200 || json.Unmarshal(v["result"], &res) != nil || !res.Passed || !strings.Contains(string(v["invocation"]), `"moduleKey":"example-repo-page"`) {
		t.Errorf("resolver: %d %s", status, v)
	}
	status, v = postCall(t, srv.URL, `{"module":"trigger:connect-webhooks","event":"avi:bitbucket:push:repository"}`)
	if status != 200 || !strings.Contains(string(v["invocation"]), "event avi:bitbucket:push:repository repository {") {
		t.Errorf("event: %d %s", status, v)
	}
	status, v = postCall(t, srv.URL, `{"module":"trigger:nope"}`)
	if status != 400 || !strings.Contains(string(v["error"]), "no module trigger:nope") {
		t.Errorf("unknown module: %d %s", status, v)
	}

	resp, err = http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	req, err := http.NewRequest("GET", srv.URL+"/api/state", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example:80"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a request for another host: %d, want 403", resp.StatusCode)
	}

	// A change to src/ is picked up.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = s.Watch(ctx, &testLog{t: t}) }()
	time.Sleep(200 * time.Millisecond) // the watcher's folders are added
	idx := filepath.Join(dir, "src", "index.js")
	src, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(idx, []byte(strings.Replace(string(src), "console.log('uninstalling');", "console.log('uninstalling, edited');", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, v = postCall(t, srv.URL, `{"module":"preUninstall:pre-uninstall"}`)
		if strings.Contains(string(v["invocation"]), "uninstalling, edited") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edit was not picked up: %s", v)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestServerRemote: forge run --local --remote sends the page's calls of
// modules that name an endpoint to the Forge Remote, signed; an app whose
// modules all call the remote needs no Node for itself.
func TestServerRemote(t *testing.T) {
	testenv.Need(t, "npm", "node-versions")
	dir := filepath.Join("testdata", "remote")
	h, err := Start(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.Close() }()
	caller, err := NewRemoteCaller(RemoteOptions{Dir: dir, API: h.API()})
	if err != nil {
		t.Fatal(err)
	}
	defer caller.Close()
	caller.opts.RemoteURL = startRemote(t, caller.JWKSURL())
	s := &Server{Host: h, Remote: caller}
	for _, c := range []struct{ req, want string }{
		{`{"module":"trigger:connect-events","event":"avi:bitbucket:push:repository"}`, `answered 200 {"acknowledged":true}`},
		{`{"module":"bitbucket:mergeCheck:connect-merge-check","trigger":"on-merge"}`, `"success":false`},
		{`{"module":"bitbucket:repoMainMenuPage:repo-page","key":"whoami"}`, `"repository":"sample-workspace/sample-repo"`},
	} {
		var req Request
		if err := json.Unmarshal([]byte(c.req), &req); err != nil {
			t.Fatal(err)
		}
		res, _, err := s.Do(context.Background(), req)
		if err != nil || !res.Passed || !strings.Contains(res.Reason+string(res.Answer), c.want) {
			t.Errorf("%s: %+v %v, want %q", c.req, res, err, c.want)
		}
	}
}

// TestPageInBrowser: the --serve page in headless Chromium lists the
// starter's modules by location, and its buttons invoke a resolver and
// fire an event, showing the result, the console output and the
// Bitbucket call; nothing leaves loopback.
func TestPageInBrowser(t *testing.T) {
	b := browsertest.New(t)
	files, _ := starterFiles(t, "atlassian-connect.json", templateDescriptor(t))
	h := startHost(t, writeStarter(t, files, nil), Options{})
	srv := httptest.NewServer(&Server{Host: h, Page: true})
	defer srv.Close()
	var nav, calls string
	b.Run(60*time.Second,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`//button[text()="invoke getUser"]`, chromedp.BySearch),
		chromedp.Text("#modules", &nav, chromedp.ByQuery),
		chromedp.Click(`//button[text()="invoke getUser"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h3[contains(text(), "resolver#getUser")]`, chromedp.BySearch),
		chromedp.Click(`//button[text()="bitbucket:push:repository"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h3[contains(text(), "on-event ← avi:bitbucket:push:repository")]`, chromedp.BySearch),
		chromedp.Text("#calls", &calls, chromedp.ByQuery),
	)
	b.Screenshot("forge-page")
	for _, want := range []string{"Repository: MainMenuPage", "Repository source: OverviewCard", "Backend: trigger", "example-repo-page"} {
		if !strings.Contains(strings.ToLower(nav), strings.ToLower(want)) { // headings are upper-cased by CSS
			t.Errorf("the module list lacks %q:\n%s", want, nav)
		}
	}
	for _, want := range []string{"PASS resolver#getUser", "requestBitbucket as user: GET /2.0/user → 200", `"display_name": "Sample User"`, "PASS on-event ← avi:bitbucket:push:repository", "log: event avi:bitbucket:push:repository repository {"} {
		if !strings.Contains(calls, want) {
			t.Errorf("the calls lack %q:\n%s", want, calls)
		}
	}
	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Errorf("the page asked for %v", ext)
	}
}

// TestUIKitInBrowser: the page renders the starter's UI Kit page with the
// app's own @forge/react: useProductContext gets the module's context,
// invoke('getUser') calls the resolver on this host, and the forgeDoc is
// drawn; a Button's onClick runs the app's handler.
func TestUIKitInBrowser(t *testing.T) {
	b := browsertest.New(t)
	files, _ := starterFiles(t, "atlassian-connect.json", templateDescriptor(t))
	dir := writeStarter(t, files, map[string]func(string) string{
		// A button whose handler invokes the resolver again.
		"src/frontend/index.jsx": func(s string) string {
			s = strings.Replace(s, "import ForgeReconciler, { Heading, Text, useProductContext } from '@forge/react';", "import ForgeReconciler, { Button, Heading, Text, useProductContext } from '@forge/react';", 1)
			return strings.Replace(s, "      <Text>{repository ? 'Repository ' + repository.uuid : ''}</Text>\n", "      <Text>{repository ? 'Repository ' + repository.uuid : ''}</Text>\n      <Button onClick={() => invoke('getContext').then((c) => setUser({ display_name: 'clicked ' + c.moduleKey }))}>Again</Button>\n", 1)
		},
	})
	h := startHost(t, dir, Options{})
	srv := httptest.NewServer(&Server{Host: h, Page: true})
	defer srv.Close()
	var before, after string
	b.Run(60*time.Second,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(`//div[contains(., "example-repo-page")]/button[text()="render"]`, chromedp.BySearch),
		chromedp.Click(`//div[contains(., "bitbucket:repoMainMenuPage example-repo-page")]/button[text()="render"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//div[@id="uikit"]//p[contains(., "Hello, Sample User")]`, chromedp.BySearch),
		chromedp.Text("#uikit", &before, chromedp.ByQuery),
		chromedp.Click(`//div[@id="uikit"]//button[text()="Again"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//div[@id="uikit"]//p[contains(., "Hello, clicked example-repo-page")]`, chromedp.BySearch),
		chromedp.Text("#uikit", &after, chromedp.ByQuery),
	)
	b.Screenshot("uikit")
	for _, want := range []string{"Example Page", "Hello, Sample User", "Repository {0e2d4d5c-7c39-4d4e-8f7a-5e4b3a2c1d00}"} {
		if !strings.Contains(before, want) {
			t.Errorf("the rendered page lacks %q:\n%s", want, before)
		}
	}
	if !strings.Contains(after, "Hello, clicked example-repo-page") {
		t.Errorf("after the click:\n%s", after)
	}
	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Errorf("the page asked for %v", ext)
	}
	for _, l := range b.Console() {
		if strings.Contains(l, "error") {
			t.Logf("console: %s", l)
		}
	}
}
