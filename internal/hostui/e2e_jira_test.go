package hostui

import (
	"context"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// TestJiraAppInBrowser: a Jira app on real Node and ACE 11
// (internal/hostsim/testdata/jiraapp) inside the local Jira page in
// headless Chromium: installed with the host's RS256 signature, its page
// in an iframe with a freshly signed URL, AP.request answered by the REST
// stand-in, its context token from AP.context.getToken accepted by the
// app's checkValidToken route, a webhook button; nothing leaves loopback.
func TestJiraAppInBrowser(t *testing.T) {
	b := newBrowser(t)
	dir := t.TempDir()
	testdata := filepath.Join("..", "hostsim", "testdata")
	if err := apptest.CopyApp(dir, filepath.Join(testdata, "acecommon"), filepath.Join(testdata, "jiraapp")); err != nil {
		t.Fatal(err)
	}
	var backend Deferred
	host := httptest.NewServer(Handler(&backend))
	t.Cleanup(host.Close)
	api, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	appURL := apptest.StartApp(t, dir,
		"AC_HOST_SCRIPT_URL="+host.URL+HostScriptPath,
		"CONNECT_KEYS_CDN_URL=http://"+api.Addr().String()+hostsim.KeysPath)
	h, err := hostsim.New(hostsim.Options{AppURL: appURL, Listener: api})
	if err != nil {
		api.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	inst, err := h.Install(ctx)
	if err != nil {
		t.Fatal(err)
	}
	backend.Set(HostBackend(h))

	var brand, sidebar string
	b.Run(60*time.Second,
		chromedp.Navigate(host.URL+"/"),
		chromedp.WaitVisible(`.sidebar a[data-key="hello-world-page-jira"]`, chromedp.ByQuery),
		chromedp.Text(".brand", &brand, chromedp.ByQuery),
		chromedp.Text(".sidebar", &sidebar, chromedp.ByQuery),
	)
	b.Screenshot("jira-host-page")
	if !strings.HasPrefix(brand, "Jira") || !strings.Contains(sidebar, "Backlog") || !strings.Contains(sidebar, "Sample Project (SAMP)") || !strings.Contains(strings.ToLower(sidebar), "general pages apps") {
		t.Errorf("the page does not look like Jira: brand %q, sidebar %q", brand, sidebar)
	}

	frame := openModule(b, "hello-world-page-jira")
	if got := frameText(b, frame, "me"); got != "Sample User (200)" {
		t.Errorf("server-side call = %q", got)
	}
	if got := frameText(b, frame, "issue"); got != "SAMP-1" {
		t.Errorf("issueKey = %q", got)
	}
	if got := frameText(b, frame, "client-display-name"); got != "Sample User" {
		t.Errorf("AP.request display name = %q", got)
	}
	if got := frameText(b, frame, "context-client"); got != inst.ClientKey {
		t.Errorf("context token: the app's /context answered %q, want the client key %q", got, inst.ClientKey)
	}
	var signed string
	b.Run(10*time.Second, chromedp.TextContent("#signed-url", &signed, chromedp.ByQuery))
	for _, want := range []string{"issueKey=SAMP-1", "xdm_e=", "lic=none", "&jwt="} {
		if !strings.Contains(signed, want) {
			t.Errorf("signed URL %s lacks %s", signed, want)
		}
	}
	b.Screenshot("jira-hello-world")

	var status string
	b.Run(60*time.Second,
		chromedp.Click(`button[data-event="jira:issue_created"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`output[data-webhook-result="jira:issue_created"][data-status]`, chromedp.ByQuery),
		chromedp.AttributeValue(`output[data-webhook-result="jira:issue_created"]`, "data-status", &status, nil, chromedp.ByQuery),
	)
	if status != "204" {
		t.Errorf("jira:issue_created answered %q", status)
	}
	b.Screenshot("jira-webhook-sent")

	// Both calls to GET /rest/api/3/myself (server and AP.request) were
	// signed with aud = the client key.
	myself := 0
	for _, c := range h.Calls() {
		if !c.OK {
			t.Errorf("the REST API refused %s %s: %s", c.Method, c.Path, c.Reason)
		}
		if c.Path == "/rest/api/3/myself" && c.Status == 200 {
			myself++
		}
	}
	if myself != 2 {
		t.Errorf("GET /rest/api/3/myself answered %d times, want 2: %+v", myself, h.Calls())
	}
	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Errorf("requests left loopback: %v", ext)
	}
	for _, line := range b.Console() {
		if strings.HasPrefix(line, "error") {
			t.Errorf("console error: %s", line)
		}
	}
}
