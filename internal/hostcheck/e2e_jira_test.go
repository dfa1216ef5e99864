package hostcheck

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/testenv"
)

// aceTestApp copies testdata/NAME into a temporary folder with the shared
// node_modules of internal/apptest (which holds ACE 11 and express).
func aceTestApp(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	if err := apptest.CopyApp(dir, filepath.Join("testdata", "acecommon"), filepath.Join("testdata", name)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkCloudApp starts the ACE app in dir pointed at a new host's key CDN
// (CONNECT_KEYS_CDN_URL), runs every check and returns the host and the
// report.
func checkCloudApp(t *testing.T, dir string, product hostsim.Product) (*hostsim.Host, *Report, *bytes.Buffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	keys := "http://" + ln.Addr().String() + hostsim.KeysPath
	appURL := apptest.StartApp(t, dir, "CONNECT_KEYS_CDN_URL="+keys)
	log := &bytes.Buffer{}
	h, err := hostsim.New(hostsim.Options{AppURL: appURL, Log: log, Listener: ln, Product: product})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if h.KeysURL() != keys {
		t.Fatalf("KeysURL %s, want %s", h.KeysURL(), keys)
	}
	return h, runAllChecks(t, h), log
}

// TestACEJiraAppPassesEveryCheck: a Jira app on real
// atlassian-connect-express 11 takes the host's RS256 install (fetching
// the key from the host), its page calls the stand-in with a valid token,
// its webhooks and uninstall are signed as ACE wants, and it refuses every
// forgery; afterwards its checkValidToken route takes the host's context
// token.
func TestACEJiraAppPassesEveryCheck(t *testing.T) {
	testenv.Need(t, "npm")
	h, r, log := checkCloudApp(t, aceTestApp(t, "jiraapp"), "")
	if !r.OK() || r.Product != hostsim.Jira {
		t.Fatalf("checks failed: %v (product %s)\nlog:\n%s", r.Failed(), r.Product, log.String())
	}
	myself := 0
	for _, c := range h.Calls() {
		if c.Path == "/rest/api/3/myself" && c.OK && c.Status == 200 {
			myself++
		}
	}
	if myself == 0 {
		t.Errorf("the app never called GET /rest/api/3/myself successfully: %+v", h.Calls())
	}
	if got := r.Check(CheckWebhooks).Reason; got != "3 signed webhook(s) accepted" {
		t.Errorf("check 3: %s", got)
	}
	if !strings.Contains(log.String(), "KEYS GET "+hostsim.KeysPath+"/connectgen-local/") {
		t.Errorf("ACE never fetched the install key:\n%s", log.String())
	}
	sec := strings.Join(r.Check(CheckSecurity).Details, "\n")
	for _, want := range []string{
		"reinstall with an HS256 token signed with the current shared secret: refused (401)",
		"reinstall with an RS256 token for another app (aud https://another-app.example.com): refused (401)",
		"reinstall with an RS256 token of another client (iss is not the payload's clientKey): refused (401)",
		"reinstall with an RS256 token signed with another key under the host's kid: refused (400)",
		"page /hello-world with <script> in issueKey: not echoed raw (200)",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("check 6 lacks %q:\n%s", want, sec)
		}
	}

	// Installed again, as run --local leaves it: the page signed by the
	// host shows the stand-in's user, and the context token is accepted.
	_, body := installAndOpen(t, h, "/hello-world?issueKey={issue.key}")
	if !strings.Contains(body, `<p id="me">Sample User (200)</p>`) || !strings.Contains(body, `<p id="issue">SAMP-1</p>`) {
		t.Errorf("page:\n%s", body)
	}
	tok, err := h.ContextToken()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", h.AppURL()+"/context", nil)
	req.Header.Set("Authorization", "JWT "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ctxBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(ctxBody), h.ClientKey()) {
		t.Errorf("context token: %d %s", resp.StatusCode, ctxBody)
	}
	// The same context token on a qsh-checking route is refused by ACE.
	req, _ = http.NewRequest("GET", h.AppURL()+"/hello-world", nil)
	req.Header.Set("Authorization", "JWT "+tok)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("a context token on the page answered %d, want 401", resp.StatusCode)
	}
}

// TestACEJiraAppWithoutKeyCDN: an ACE app not pointed at the host's key
// CDN refuses the install; check 2 says how to start it.
func TestACEJiraAppWithoutKeyCDN(t *testing.T) {
	testenv.Need(t, "npm")
	appURL := apptest.StartApp(t, aceTestApp(t, "jiraapp"), "CONNECT_KEYS_CDN_URL=http://127.0.0.1:9")
	h := newHost(t, appURL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := Run(ctx, h)
	c := r.Check(CheckInstall)
	if c.Passed || !strings.Contains(c.Reason, "Could not get public key with keyId") || !strings.Contains(c.Reason, "start the app with CONNECT_KEYS_CDN_URL="+h.KeysURL()) {
		t.Errorf("check 2: %+v", c)
	}
}

// TestBrokenACEJiraAppFailsExactlyItsChecks: testdata/brokenjiraapp, on
// real ACE, has five defects (see its app.js); exactly checks 5 and 6
// fail, and each defect is named.
func TestBrokenACEJiraAppFailsExactlyItsChecks(t *testing.T) {
	testenv.Need(t, "npm")
	h, r, _ := checkCloudApp(t, aceTestApp(t, "brokenjiraapp"), "")
	if got := r.Failed(); len(got) != 2 || got[0] != CheckAppCalls || got[1] != CheckSecurity {
		t.Fatalf("failed checks %v, want [5 6]", got)
	}
	calls := r.Check(CheckAppCalls).Reason
	if !strings.Contains(calls, "GET /rest/api/3/myself: aud is missing (sub = the client key is how Bitbucket names the installation, not Jira or Confluence); Jira identifies the installation by aud = [\""+h.ClientKey()+"\"]") {
		t.Errorf("check 5 does not name the Bitbucket-style token: %s", calls)
	}
	sec := r.Check(CheckSecurity).Reason
	for _, want := range []string{
		// 1: installs without the host's signature.
		"a reinstall of " + h.ClientKey() + " with no token was accepted (204)",
		"with an HS256 token signed with the current shared secret was accepted (204)",
		"with an RS256 token for another app (aud https://another-app.example.com) was accepted (204)",
		"with an RS256 token signed with another key under the host's kid was accepted (204)",
		// 2: no qsh on the page.
		"page /hello-world?issueKey=SAMP-1 accepted a request with a qsh for another URL (200)",
		// 3: unescaped.
		"page /hello-world echoed issueKey unescaped",
		// 4: the open webhook.
		"webhook /webhook accepted a request with no token (204)",
		"webhook /webhook accepted a request with alg none (204)",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("check 6 lacks %q:\n%s", want, sec)
		}
	}
	for _, wrong := range []string{"page /hello-world?issueKey=SAMP-1 accepted a request with no token", "page /hello-world?issueKey=SAMP-1 accepted a request with an expired token"} {
		if strings.Contains(sec, wrong) {
			t.Errorf("check 6 blames the page for what it refuses: %q", wrong)
		}
	}
}

// TestACEConfluenceAppPassesEveryCheck: a Confluence app on real ACE 11
// (product read from its system.header location), installed with baseUrl
// …/wiki: its httpClient calls land under /wiki with a qsh without it,
// and the stand-in answers both Confluence routes.
func TestACEConfluenceAppPassesEveryCheck(t *testing.T) {
	testenv.Need(t, "npm")
	h, r, log := checkCloudApp(t, aceTestApp(t, "confluenceapp"), "")
	if !r.OK() || r.Product != hostsim.Confluence {
		t.Fatalf("checks failed: %v (product %s)\nlog:\n%s", r.Failed(), r.Product, log.String())
	}
	got := map[string]int{}
	for _, c := range h.Calls() {
		if c.OK && c.Status == 200 {
			got[c.Path]++
		}
	}
	if got["/wiki/rest/api/user/current"] == 0 || got["/wiki/api/v2/pages/98305"] == 0 {
		t.Errorf("the app's Confluence calls did not all succeed: %+v", h.Calls())
	}
	if c := r.Check(CheckWebhooks); c.Reason != "1 signed webhook(s) accepted" {
		t.Errorf("check 3: %s", c.Reason)
	}
	u, body := installAndOpen(t, h, "/hello-world?spaceKey={space.key}&pageId={page.id}")
	for _, want := range []string{`<p id="me">Sample User (200)</p>`, `<p id="page">Sample Page (200)</p>`, `<p id="space">SAMP</p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s:\n%s", want, body)
		}
	}
	if !strings.Contains(u, "cp=%2Fwiki") {
		t.Errorf("signed URL without cp=/wiki: %s", u)
	}
}

// installAndOpen installs the app again, as run --local leaves it, and
// GETs the module URL tmpl signed by the host: it returns the signed URL
// and the page, which must answer 200.
func installAndOpen(t *testing.T, h *hostsim.Host, tmpl string) (string, string) {
	t.Helper()
	if _, err := h.Install(context.Background()); err != nil {
		t.Fatal(err)
	}
	u, err := h.SignedURL(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, body)
	}
	return u, string(body)
}

// TestGeneratedCloudAppsPassEveryCheck: the apps `connectgen new -t jira`,
// `-t confluence` and `-t jira-service-desk` generate, on real Node and
// ACE 11, pass every check of the local host playing their product, and
// their Hello World page's server-side call reaches the stand-in.
func TestGeneratedCloudAppsPassEveryCheck(t *testing.T) {
	testenv.Need(t, "npm")
	node, err := testenv.MachineNode()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		template string
		product  hostsim.Product
		call     string // the page's call, "" for JSM's portal header
	}{
		{"jira", hostsim.Jira, "/rest/api/3/myself"},
		{"confluence", hostsim.Confluence, "/wiki/rest/api/user/current"},
		{"jira-service-desk", hostsim.Jira, ""},
	} {
		t.Run(tc.template, func(t *testing.T) {
			dir := t.TempDir()
			if err := apptest.NewTemplateProject(dir, tc.template, node); err != nil {
				t.Fatal(err)
			}
			h, r, log := checkCloudApp(t, dir, "")
			if !r.OK() || r.Product != tc.product {
				t.Fatalf("checks failed: %v (product %s)\nlog:\n%s", r.Failed(), r.Product, log.String())
			}
			if tc.call == "" {
				return
			}
			ok := 0
			for _, c := range h.Calls() {
				if c.Path == tc.call && c.OK && c.Status == 200 {
					ok++
				}
			}
			if ok == 0 {
				t.Errorf("the generated page never called %s successfully: %+v", tc.call, h.Calls())
			}
		})
	}
}
