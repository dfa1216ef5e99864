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
	"github.com/connectgen/connectgen/internal/testenv"
)

// cloudBrowserCase is one Jira or Confluence test app of
// internal/hostcheck/testdata shown in the local product's page.
type cloudBrowserCase struct {
	app, module, event string
	look               []string          // in the sidebar, lower case
	server             map[string]string // element id in the app's page -> text
	apiPath            string            // what its page's AP.request calls, as the REST API sees it
	signed             []string          // in the signed URL
	// other modules to open: module key -> element id -> text
	others map[string]map[string]string
	// template, when set, is a generated app (connectgen new -t …)
	// instead of the test app; its page shows the context token's
	// verdict in #context-token as "valid for <client key>".
	template string
}

// TestJiraAppInBrowser: a Jira app on real Node and ACE 11
// (internal/hostcheck/testdata/jiraapp) inside the local Jira page in
// headless Chromium: installed with the host's RS256 signature, its page
// in an iframe with a freshly signed URL, AP.request answered by the REST
// stand-in, its context token from AP.context.getToken accepted by the
// app's checkValidToken route, a webhook button; nothing leaves loopback.
func TestJiraAppInBrowser(t *testing.T) {
	cloudAppInBrowser(t, "jira", cloudBrowserCase{
		app: "jiraapp", module: "hello-world-page-jira", event: "jira:issue_created",
		look:    []string{"backlog", "sample project (samp)", "general pages apps hello world", "issue glances issue samp-1 hello glance", "portal headers help center hello-portal-header"},
		server:  map[string]string{"me": "Sample User (200)", "issue": "SAMP-1"},
		apiPath: "/rest/api/3/myself",
		signed:  []string{"issueKey=SAMP-1", "xdm_e=", "cp=&", "lic=none", "&jwt="},
		others: map[string]map[string]string{
			"hello-glance":        {"issueKey": "SAMP-1", "projectKey": "SAMP"},
			"hello-portal-header": {"requestId": "10001"},
		},
	})
}

// TestConfluenceAppInBrowser is TestJiraAppInBrowser for a Confluence app:
// the host's baseUrl has /wiki, the app's calls and AP.request go there.
func TestConfluenceAppInBrowser(t *testing.T) {
	cloudAppInBrowser(t, "confluence", cloudBrowserCase{
		app: "confluenceapp", module: "hello-world-page-confluence", event: "page_created",
		look:    []string{"pages", "sample space (samp)", "general pages apps"},
		server:  map[string]string{"me": "Sample User (200)", "page": "Sample Page (200)", "space": "SAMP"},
		apiPath: "/wiki/rest/api/user/current",
		signed:  []string{"spaceKey=SAMP", "pageId=98305", "cp=%2Fwiki", "&jwt="},
	})
}

// TestGeneratedJiraAppInBrowser is the "must show": the Hello
// World page of the app `connectgen new -t jira` generates, inside the
// local Jira page, its AP.request answered by the stand-in and its
// context token accepted by the app.
func TestGeneratedJiraAppInBrowser(t *testing.T) {
	cloudAppInBrowser(t, "jira", cloudBrowserCase{
		template: "jira", module: "hello-world-page-jira",
		look:    []string{"backlog", "sample project (samp)", "general pages apps hello world"},
		server:  map[string]string{"server-display-name": "Sample User"},
		apiPath: "/rest/api/3/myself",
		signed:  []string{"xdm_e=", "cp=&", "lic=none", "&jwt="},
	})
}

// TestGeneratedConfluenceAppInBrowser: the same for `new -t confluence`.
func TestGeneratedConfluenceAppInBrowser(t *testing.T) {
	cloudAppInBrowser(t, "confluence", cloudBrowserCase{
		template: "confluence", module: "hello-world-page-confluence",
		look:    []string{"sample space (samp)", "general pages apps hello world"},
		server:  map[string]string{"server-display-name": "Sample User"},
		apiPath: "/wiki/rest/api/user/current",
		signed:  []string{"cp=%2Fwiki", "&jwt="},
	})
}

func cloudAppInBrowser(t *testing.T, product string, tc cloudBrowserCase) {
	testenv.Need(t, "npm", "chromium")
	b := newBrowser(t)
	dir := t.TempDir()
	testdata := filepath.Join("..", "hostcheck", "testdata")
	if tc.template != "" {
		node, err := testenv.MachineNode()
		if err != nil {
			t.Fatal(err)
		}
		if err := apptest.NewTemplateProject(dir, tc.template, node); err != nil {
			t.Fatal(err)
		}
	} else if err := apptest.CopyApp(dir, filepath.Join(testdata, "acecommon"), filepath.Join(testdata, tc.app)); err != nil {
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
		chromedp.WaitVisible(`.sidebar a[data-key="`+tc.module+`"]`, chromedp.ByQuery),
		chromedp.Text(".brand", &brand, chromedp.ByQuery),
		chromedp.Text(".sidebar", &sidebar, chromedp.ByQuery),
	)
	b.Screenshot(product + "-host-page")
	sidebar = strings.Join(strings.Fields(strings.ToLower(sidebar)), " ")
	if !strings.HasPrefix(strings.ToLower(brand), product) {
		t.Errorf("the page's brand is %q, not %s", brand, product)
	}
	for _, want := range tc.look {
		if !strings.Contains(sidebar, want) {
			t.Errorf("the sidebar lacks %q: %q", want, sidebar)
		}
	}

	frame := openModule(b, tc.module)
	for id, want := range tc.server {
		if got := frameText(b, frame, id); got != want {
			t.Errorf("#%s in the app's page = %q, want %q", id, got, want)
		}
	}
	if got := frameText(b, frame, "client-display-name"); got != "Sample User" {
		t.Errorf("AP.request display name = %q", got)
	}
	ctxID, ctxWant := "context-client", inst.ClientKey
	if tc.template != "" {
		ctxID, ctxWant = "context-token", "valid for "+inst.ClientKey
	}
	if got := frameText(b, frame, ctxID); got != ctxWant {
		t.Errorf("context token: the app's /context answered %q, want the client key %q", got, inst.ClientKey)
	}
	var signed string
	b.Run(10*time.Second, chromedp.TextContent("#signed-url", &signed, chromedp.ByQuery))
	for _, want := range tc.signed {
		if !strings.Contains(signed, want) {
			t.Errorf("signed URL %s lacks %s", signed, want)
		}
	}
	b.Screenshot(product + "-hello-world")

	for key, texts := range tc.others {
		frame := openModule(b, key)
		for id, want := range texts {
			if got := frameText(b, frame, id); got != want {
				t.Errorf("%s: #%s = %q, want %q", key, id, got, want)
			}
		}
		b.Screenshot(product + "-" + key)
	}

	if tc.event != "" {
		var status string
		b.Run(60*time.Second,
			chromedp.Click(`button[data-event="`+tc.event+`"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`output[data-webhook-result="`+tc.event+`"][data-status]`, chromedp.ByQuery),
			chromedp.AttributeValue(`output[data-webhook-result="`+tc.event+`"]`, "data-status", &status, nil, chromedp.ByQuery),
		)
		if status != "204" {
			t.Errorf("%s answered %q", tc.event, status)
		}
		b.Screenshot(product + "-webhook-sent")
	}

	// The page's calls (server and AP.request) were signed with aud =
	// the client key.
	calls := 0
	for _, c := range h.Calls() {
		if !c.OK {
			t.Errorf("the REST API refused %s %s: %s", c.Method, c.Path, c.Reason)
		}
		if c.Path == tc.apiPath && c.Status == 200 {
			calls++
		}
	}
	if calls != 2 {
		t.Errorf("GET %s answered %d times, want 2 (server and AP.request): %+v", tc.apiPath, calls, h.Calls())
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
