package hostui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/connectgen/connectgen/internal/browsertest"
	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// fakeBackend stands in for the local host: it signs nothing, answers a
// few REST paths and records what the UI asked of it.
type fakeBackend struct {
	appURL    string
	forgeLink string

	mu        sync.Mutex
	installed bool
	webhooks  []string
	requests  []APIRequest
	lifecycle []string
}

func (f *fakeBackend) App() AppInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return AppInfo{
		Name: "Fake App", Key: "fake-app", BaseURL: f.appURL, ClientKey: "connection:42", Installed: f.installed,
		Workspace: "sample-workspace", Repository: "sample-workspace/sample-repo", User: "Sample User",
		ForgeAppLink: f.forgeLink,
	}
}

func (f *fakeBackend) Pages() []hostsim.Module {
	return []hostsim.Module{
		{Kind: descriptor.KindWebItem, Key: "example-web-item", Name: "Example", Location: "org.bitbucket.repository.navigation", URL: "/page?repoPath={repository.full_name}"},
		{Kind: descriptor.KindRepoPage, Key: "example-repo-page", Name: "Example Page", Location: "org.bitbucket.repository.navigation", URL: "/page?repoPath={repository.full_name}"},
		{Kind: descriptor.KindAdminPage, Key: "admin", Name: "Admin <b>page</b>", URL: "/admin"},
		{Kind: descriptor.KindGeneralPage, Key: "plain", Name: "Plain", URL: "/plain"},
	}
}

func (f *fakeBackend) SignedURL(p hostsim.Module) (string, error) {
	u := strings.ReplaceAll(p.URL, "{repository.full_name}", url.QueryEscape("sample-workspace/sample-repo"))
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return f.appURL + u + sep + "jwt=fake-token-for-" + p.Key, nil
}

func (f *fakeBackend) Events() []string { return []string{"repo:push", "pullrequest:created"} }

func (f *fakeBackend) SendWebhook(ctx context.Context, event string) (WebhookResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.webhooks = append(f.webhooks, event)
	if event == "pullrequest:created" {
		return WebhookResult{Status: 401, Body: "Authentication failed"}, nil
	}
	return WebhookResult{Status: 204}, nil
}

func (f *fakeBackend) Request(ctx context.Context, r APIRequest) (hostsim.APIResponse, error) {
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.mu.Unlock()
	path, _, _ := strings.Cut(r.Path, "?")
	switch {
	case r.Method == "GET" && path == "/2.0/user":
		return hostsim.APIResponse{Status: 200, ContentType: "application/json", Body: []byte(`{"display_name":"Fake <User>"}`)}, nil
	case r.Method == "GET" && r.Path == "/2.0/repositories/sample-workspace/sample-repo?fields=name":
		return hostsim.APIResponse{Status: 200, ContentType: "application/json", Body: []byte(`{"name":"sample-repo"}`)}, nil
	case r.Method == "POST" && r.Path == "/2.0/echo":
		return hostsim.APIResponse{Status: 201, ContentType: r.ContentType, Body: r.Body}, nil
	}
	return hostsim.APIResponse{Status: 404, ContentType: "application/json", Body: []byte(`{"type":"error"}`)}, nil
}

func (f *fakeBackend) Reinstall(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lifecycle = append(f.lifecycle, "reinstall")
	f.installed = true
	return nil
}

func (f *fakeBackend) Uninstall(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lifecycle = append(f.lifecycle, "uninstall")
	if !f.installed {
		return errors.New("not installed")
	}
	f.installed = false
	return nil
}

// appPage is the static app: it loads the host's all.js as an ACE view
// would, and exercises AP the ways real apps do.
const appPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>fake app</title>
<script src="%s/atlassian-connect/all.js"></script>
</head>
<body style="margin:8px">
<h1>Fake app page</h1>
<p>repoPath: <span id="repo-path">%s</span></p>
<p>client: <span id="client-display-name">loading…</span></p>
<p>require: <span id="require-result">loading…</span></p>
<p>promise error: <span id="promise-error">loading…</span></p>
<p>bad url: <span id="bad-url">loading…</span></p>
<p>post: <span id="post-result">loading…</span></p>
<div style="height:900px;background:#eef">tall content, so that the frame must grow</div>
<script src="/app.js"></script>
</body></html>`

const appJS = `
function set(id, text) { document.getElementById(id).textContent = text; }
AP.request({
  url: '/2.0/user',
  success: function (data) { set('client-display-name', JSON.parse(data).display_name); },
  error: function (xhr, status, err) { set('client-display-name', 'error ' + err); }
});
AP.require(['request'], function (request) {
  request('/2.0/repositories/sample-workspace/sample-repo', {data: {fields: 'name'}})
    .then(function (r) { set('require-result', JSON.parse(r.body).name + ' ' + r.xhr.status); },
          function (e) { set('require-result', 'error ' + e.err); });
});
AP.request({url: '/2.0/missing'}).then(
  function () { set('promise-error', 'unexpected success'); },
  function (e) { set('promise-error', e.xhr.status + ' ' + e.err); });
AP.request({url: 'https://example.com/2.0/user', error: function (xhr, s, err) { set('bad-url', err); }});
AP.require('request', function (request) {
  request({url: '/2.0/echo', type: 'POST', contentType: 'application/json', data: {a: 1}})
    .then(function (r) { set('post-result', r.xhr.status + ' ' + r.body + ' ' + r.xhr.getResponseHeader('Content-Type')); });
});
AP.navigator.go('site', {});
AP.require('messages', function (messages) { messages.info('title', 'body'); });
`

// adminPage sizes its frame itself and frames a page of another origin
// that tries to talk to the host as if it were the app.
const adminPage = `<!doctype html>
<html><head><meta charset="utf-8"><script src="%s/atlassian-connect/all.js"></script>
<script src="/admin.js"></script></head>
<body><p>sentinel: <span id="sentinel">loading…</span></p>
<iframe src="%s/evil" style="height:40px"></iframe></body></html>`

const adminJS = `
AP.resize('100%', '345px');
window.addEventListener('message', function (ev) {
  if (ev.data !== 'evil-done') { return; }
  AP.request('/2.0/user?sentinel=1', {success: function (d) {
    document.getElementById('sentinel').textContent = JSON.parse(d).display_name;
  }});
});
`

// evilPage posts an AP request straight to the host page, then tells the
// app frame it has done so.
const evilPage = `<!doctype html><html><body>evil<script>
window.top.postMessage({channel: 'connectgen-ap', type: 'request', id: 1, method: 'GET', url: '/2.0/user?evil=1'}, '*');
window.parent.postMessage('evil-done', '*');
</script></body></html>`

type fakeApp struct {
	srv     *httptest.Server
	evil    *httptest.Server
	hostURL string
	mu      sync.Mutex
	queries []url.Values
}

func startFakeApp(t *testing.T) *fakeApp {
	a := &fakeApp{}
	a.evil = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, evilPage) // the test checks what follows, not this call
	}))
	t.Cleanup(a.evil.Close)
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/admin":
			a.mu.Lock()
			host := a.hostURL
			a.mu.Unlock()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, adminPage, host, a.evil.URL)
		case "/plain":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, "<!doctype html><p>A page that does not load the host script.</p>") // the test checks what follows, not this call
		case "/admin.js":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = io.WriteString(w, adminJS) // the test checks what follows, not this call
		case "/page":
			a.mu.Lock()
			a.queries = append(a.queries, r.URL.Query())
			host := a.hostURL
			a.mu.Unlock()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, appPage, host, strings.NewReplacer("<", "&lt;", "&", "&amp;").Replace(r.URL.Query().Get("repoPath")))
		case "/app.js":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = io.WriteString(w, appJS) // the test checks what follows, not this call
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// newBrowser starts Chromium for t. Chromium's helper processes can still
// write into its profile (a t.TempDir) for a moment after the browser is
// stopped, which makes the testing package's own removal of the temporary
// directory fail the test; so the test's temporary root is removed first
// here, retrying a bounded number of times. t.Cleanup runs functions last
// registered first: this one runs after browsertest's shutdown.
func newBrowser(t *testing.T) *browsertest.Browser {
	root := filepath.Dir(t.TempDir())
	t.Cleanup(func() {
		var err error
		for range 50 {
			if err = os.RemoveAll(root); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("removing %s: %v", root, err)
	})
	b := browsertest.New(t)
	// An uncaught exception in the host's scripts or the app's would
	// otherwise only show as a value that never arrives.
	var mu sync.Mutex
	var exceptions []string
	chromedp.ListenTarget(b.Context(), func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			exceptions = append(exceptions, e.ExceptionDetails.Error())
			mu.Unlock()
		}
	})
	b.Run(10*time.Second, runtime.Enable())
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range exceptions {
			t.Errorf("uncaught exception in the browser: %s", e)
		}
	})
	return b
}

// openModule clicks the sidebar entry of the module key and returns the
// app's frame once the module view and the frame's document have loaded.
func openModule(b *browsertest.Browser, key string) *cdp.Node {
	var frames []*cdp.Node
	b.Run(60*time.Second,
		chromedp.Click(fmt.Sprintf(`.sidebar a[data-key=%q]`, key), chromedp.ByQuery),
		chromedp.WaitVisible("#app-frame", chromedp.ByQuery),
		// The load event waits for the frame's document.
		chromedp.Poll(`document.readyState === 'complete'`, nil, chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.Nodes("#app-frame", &frames, chromedp.ByQuery),
	)
	return frames[0]
}

// frameText waits until the element id in the app frame shows something
// other than "loading…" and returns it.
func frameText(b *browsertest.Browser, frame *cdp.Node, id string) string {
	var text string
	b.Run(30*time.Second, chromedp.Poll(fmt.Sprintf(`(function () {
		var e = document.getElementById(%q);
		return e && e.textContent !== 'loading…' ? e.textContent : false;
	})()`, id), &text, chromedp.WithPollingInFrame(frame), chromedp.WithPollingInterval(50*time.Millisecond)))
	return text
}

func TestHostPageInBrowser(t *testing.T) {
	app := startFakeApp(t)
	fb := &fakeBackend{appURL: app.srv.URL, installed: true}
	host := httptest.NewServer(Handler(fb))
	t.Cleanup(host.Close)
	app.mu.Lock()
	app.hostURL = host.URL
	app.mu.Unlock()

	b := newBrowser(t)

	// The host page lists the modules in the sidebar.
	var repo, links string
	b.Run(30*time.Second,
		chromedp.Navigate(host.URL+"/"),
		chromedp.Text("#repo-name", &repo, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('.sidebar a.module-link')).map(a => a.dataset.kind + ':' + a.textContent).join(',')`, &links),
	)
	if repo != "sample-workspace/sample-repo" {
		t.Errorf("repository = %q", repo)
	}
	// Sections come in Bitbucket's order (repo pages before web items),
	// and a module name is text, not markup.
	if want := "repoPage:Example Page,webItem:Example,generalPage:Plain,adminPage:Admin <b>page</b>"; links != want {
		t.Errorf("sidebar modules = %q, want %q", links, want)
	}
	b.Screenshot("host-page")

	// Opening the repo page shows the app in a frame with a signed URL.
	frame := openModule(b, "example-repo-page")
	if got := frameText(b, frame, "client-display-name"); got != "Fake <User>" {
		t.Errorf("AP.request display name = %q", got)
	}
	if got := frameText(b, frame, "repo-path"); got != "sample-workspace/sample-repo" {
		t.Errorf("repoPath in the frame = %q", got)
	}
	if got := frameText(b, frame, "require-result"); got != "sample-repo 200" {
		t.Errorf("AP.require(['request']) with data = %q", got)
	}
	if got := frameText(b, frame, "promise-error"); got != "404 Not Found" {
		t.Errorf("rejected promise = %q", got)
	}
	if got := frameText(b, frame, "bad-url"); !strings.Contains(got, "path of the Bitbucket API") {
		t.Errorf("absolute URL error = %q", got)
	}
	if got := frameText(b, frame, "post-result"); got != `201 {"a":1} application/json` {
		t.Errorf("POST with JSON = %q", got)
	}
	app.mu.Lock()
	if n := len(app.queries); n != 1 || app.queries[0].Get("jwt") != "fake-token-for-example-repo-page" {
		t.Errorf("app page requests = %v, want one with the signed jwt", app.queries)
	}
	app.mu.Unlock()

	// The frame grew to the app's content (over 900px tall).
	var height float64
	b.Run(30*time.Second, chromedp.Poll(`(function () {
		var h = document.getElementById('app-frame').getBoundingClientRect().height;
		return h > 900 ? h : false;
	})()`, &height, chromedp.WithPollingInterval(50*time.Millisecond)))
	if height > 2000 {
		t.Errorf("frame height = %v, want about the content's height", height)
	}
	b.Screenshot("repo-page")

	// The unsupported call was named in the console.
	var found bool
	for _, line := range b.Console() {
		if strings.Contains(line, "AP.navigator.go() is not supported by the local Bitbucket host") {
			found = true
		}
	}
	if !found {
		t.Errorf("no console message for AP.navigator.go; console:\n%s", strings.Join(b.Console(), "\n"))
	}
	for _, want := range []string{
		`AP.require(\"messages\") is not supported by the local Bitbucket host`,
		`AP.require(\"messages\").info() is not supported`,
	} {
		found = false
		for _, line := range b.Console() {
			found = found || strings.Contains(line, want)
		}
		if !found {
			t.Errorf("no console message %s; console:\n%s", want, strings.Join(b.Console(), "\n"))
		}
	}

	// Send a webhook from the dev panel and see the app's answer.
	var status, text, status2, text2 string
	b.Run(30*time.Second,
		chromedp.Click(`button[data-event="repo:push"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`output[data-webhook-result="repo:push"][data-status]`, chromedp.ByQuery),
		chromedp.AttributeValue(`output[data-webhook-result="repo:push"]`, "data-status", &status, nil, chromedp.ByQuery),
		chromedp.Text(`output[data-webhook-result="repo:push"]`, &text, chromedp.ByQuery),
		chromedp.Click(`button[data-event="pullrequest:created"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`output[data-webhook-result="pullrequest:created"][data-status]`, chromedp.ByQuery),
		chromedp.AttributeValue(`output[data-webhook-result="pullrequest:created"]`, "data-status", &status2, nil, chromedp.ByQuery),
		chromedp.Text(`output[data-webhook-result="pullrequest:created"]`, &text2, chromedp.ByQuery),
	)
	if status != "204" || !strings.Contains(text, "204 No Content") {
		t.Errorf("repo:push result = %q %q", status, text)
	}
	if status2 != "401" || !strings.Contains(text2, "Authentication failed") {
		t.Errorf("pullrequest:created result = %q %q", status2, text2)
	}
	b.Screenshot("webhook-sent")

	// The admin page sets its frame's size; the host ignores a frame of
	// another origin that posts AP messages to it, and goes on answering
	// the app.
	frame = openModule(b, "admin")
	if got := frameText(b, frame, "sentinel"); got != "Fake <User>" {
		t.Errorf("AP.request after the foreign message = %q", got)
	}
	var size string
	b.Run(30*time.Second, chromedp.Evaluate(`(function () {
		var r = document.getElementById('app-frame').getBoundingClientRect();
		var box = document.querySelector('.frame-box').getBoundingClientRect();
		return Math.round(r.height) + 'x' + (Math.abs(r.width - box.width) <= 2);
	})()`, &size))
	if size != "345xtrue" {
		t.Errorf("frame size after AP.resize('100%%', '345px') = %s, want 345 high and full width", size)
	}
	var ignored bool
	for _, line := range b.Console() {
		ignored = ignored || strings.Contains(line, "ignored an AP message from "+app.evil.URL)
	}
	if !ignored {
		t.Errorf("no console message for the foreign frame's message; console:\n%s", strings.Join(b.Console(), "\n"))
	}

	// A page that does not load the host's script gets a hint naming
	// AC_HOST_SCRIPT_URL.
	openModule(b, "plain")
	var hint string
	b.Run(30*time.Second,
		chromedp.Poll(`!document.getElementById('frame-hint').hidden`, nil, chromedp.WithPollingInterval(100*time.Millisecond)),
		chromedp.Text("#frame-hint", &hint, chromedp.ByQuery),
	)
	if !strings.Contains(hint, "AC_HOST_SCRIPT_URL="+host.URL+HostScriptPath) {
		t.Errorf("hint = %q", hint)
	}

	// Uninstall, then re-install.
	var state1, state2 string
	b.Run(30*time.Second,
		chromedp.Click("#uninstall", chromedp.ByQuery),
		chromedp.Poll(`document.getElementById('install-result').textContent === 'uninstall: done'`, nil, chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.Text("#install-state", &state1, chromedp.ByQuery),
		chromedp.Click("#reinstall", chromedp.ByQuery),
		chromedp.Poll(`document.getElementById('install-result').textContent === 'reinstall: done'`, nil, chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.Text("#install-state", &state2, chromedp.ByQuery),
	)
	if state1 != "not installed" || state2 != "installed" {
		t.Errorf("install state after uninstall, reinstall = %q, %q", state1, state2)
	}

	fb.mu.Lock()
	if got := strings.Join(fb.webhooks, ","); got != "repo:push,pullrequest:created" {
		t.Errorf("webhooks sent = %s", got)
	}
	if got := strings.Join(fb.lifecycle, ","); got != "uninstall,reinstall" {
		t.Errorf("lifecycle calls = %s", got)
	}
	var paths []string
	for _, r := range fb.requests {
		paths = append(paths, r.Method+" "+r.Path)
	}
	fb.mu.Unlock()
	// The absolute URL never reached the backend.
	for _, p := range paths {
		if strings.Contains(p, "example.com") {
			t.Errorf("an absolute AP.request URL reached the backend: %s", p)
		}
	}
	// The first page's requests run concurrently: compare them as a set.
	sort.Strings(paths)
	want := "GET /2.0/missing,GET /2.0/repositories/sample-workspace/sample-repo?fields=name,GET /2.0/user,GET /2.0/user?sentinel=1,POST /2.0/echo"
	if got := strings.Join(paths, ","); got != want {
		t.Errorf("backend requests = %s\nwant %s", got, want)
	}

	var sawScript bool
	for _, r := range b.Requests() {
		sawScript = sawScript || r == host.URL+HostScriptPath
	}
	if !sawScript {
		t.Errorf("the app page did not load the host's all.js; requests: %v", b.Requests())
	}
	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Errorf("requests left loopback: %v", ext)
	}
}
