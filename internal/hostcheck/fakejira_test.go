package hostcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// jiraDefects switch on one mistake each in fakeJiraApp.
type jiraDefects struct {
	acceptUnsigned    bool // an install without a token is taken
	acceptHS256       bool // an HS256 install signed with the stored secret is taken
	skipAud           bool // the install's aud is not compared with baseUrl
	skipIssMatch      bool // iss is not compared with the payload's clientKey
	ignoreKeyCDN      bool // the key comes from the real CDN, not CONNECT_KEYS_CDN_URL
	webhookNoAuth     bool
	skipQSH           bool // page and webhook tokens: qsh not checked
	unescaped         bool // the page echoes issueKey raw
	outboundSub       bool // the app's API call names the client in sub (hostsim.Bitbucket's way)
	longOutbound      bool // the app's API call carries a token issued now, valid for an hour
	keepAfterUninstal bool
	pageText          bool
	webhook500        bool
}

// fakeJiraApp is a Jira Connect app in Go that does what ACE 11 does: it
// verifies RS256 installs with the key it fetches from the host's key
// CDN (CONNECT_KEYS_CDN_URL), pages and webhooks with HS256 and the qsh,
// and calls GET /rest/api/3/myself with aud = the client key.
type fakeJiraApp struct {
	t      *testing.T
	d      jiraDefects
	url    string
	keyCDN string // the CONNECT_KEYS_CDN_URL it was started with

	mu       sync.Mutex
	installs map[string]map[string]any
	hooks    []map[string]any
	ctxToks  int
}

const fakeJiraKey = "fake-jira-app"

func startFakeJiraApp(t *testing.T, d jiraDefects) *fakeJiraApp {
	t.Helper()
	a := &fakeJiraApp{t: t, d: d, installs: map[string]map[string]any{}}
	a.url = serveLoopback(t, a)
	return a
}

func (a *fakeJiraApp) descriptor() map[string]any {
	return map[string]any{
		"key": fakeJiraKey, "name": "Fake Jira App", "description": "A fake Jira app",
		"baseUrl":        a.url,
		"authentication": map[string]any{"type": "jwt"},
		"lifecycle":      map[string]any{"installed": "/installed", "uninstalled": "/uninstalled"},
		"apiMigrations":  map[string]any{"signed-install": true},
		"scopes":         []any{"READ"},
		"modules": map[string]any{
			"generalPages": []any{map[string]any{
				"key": "hello", "name": map[string]any{"value": "Hello"}, "location": "system.top.navigation.bar",
				"url": "/page?issueKey={issue.key}",
			}},
			"webhooks": []any{
				map[string]any{"event": "jira:issue_created", "url": "/webhook"},
				map[string]any{"event": "comment_created", "url": "/webhook"},
			},
		},
	}
}

// verifyInstall checks an install as ACE's verify-installation does.
func (a *fakeJiraApp) verifyInstall(r *http.Request, body map[string]any) error {
	tok := headerJWT(r)
	alg, _ := connectjwt.Algorithm(tok)
	if tok == "" && a.d.acceptUnsigned {
		return nil
	}
	if alg == "HS256" && a.d.acceptHS256 {
		a.mu.Lock()
		inst := a.installs[fmt.Sprint(body["clientKey"])]
		a.mu.Unlock()
		if inst == nil {
			return errors.New("unknown client")
		}
		_, err := connectjwt.Verify(tok, inst["sharedSecret"].(string), nil, time.Now())
		return err
	}
	if alg != "RS256" {
		return errors.New("Unexpected or missing JWT token, failed to verify installation.")
	}
	kid, _ := connectjwt.KeyID(tok)
	cdn := a.keyCDN
	if a.d.ignoreKeyCDN {
		cdn = "http://127.0.0.1:1" // nothing listens: "Could not get public key"
	}
	resp, err := http.Get(cdn + "/" + kid)
	if err != nil {
		return fmt.Errorf("Could not get public key with keyId %s", kid)
	}
	pemText, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	pub, err := connectjwt.ParsePublicKeyPEM(pemText)
	if err != nil {
		return err
	}
	aud := a.url
	if a.d.skipAud {
		_, c, _ := connectjwt.Parse(tok)
		if len(c.Audience) > 0 {
			aud = c.Audience[0]
		}
	}
	c, err := connectjwt.VerifyInstall(tok, pub, connectjwt.Request{Method: r.Method, URL: r.URL.RequestURI()}, time.Now(), aud)
	if err != nil {
		return err
	}
	if !a.d.skipIssMatch && c.Issuer != body["clientKey"] {
		return errors.New("clientKey in install payload did not match authenticated client")
	}
	return nil
}

func (a *fakeJiraApp) verify(r *http.Request, token string) (map[string]any, error) {
	return verifyHostToken(&a.mu, a.installs, r, token, a.d.skipQSH)
}

func (a *fakeJiraApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/atlassian-connect.json":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(a.descriptor())
	case "/installed", "/uninstalled":
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		if err := a.verifyInstall(r, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		a.mu.Lock()
		if r.URL.Path == "/installed" {
			a.installs[fmt.Sprint(body["clientKey"])] = body
		} else if !a.d.keepAfterUninstal {
			delete(a.installs, fmt.Sprint(body["clientKey"]))
		}
		a.mu.Unlock()
		w.WriteHeader(204)
	case "/webhook":
		if !a.d.webhookNoAuth {
			if _, err := a.verify(r, headerJWT(r)); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		a.mu.Lock()
		a.hooks = append(a.hooks, body)
		a.mu.Unlock()
		if a.d.webhook500 {
			http.Error(w, "boom", 500)
			return
		}
		w.WriteHeader(204)
	case "/page":
		inst, err := a.verify(r, r.URL.Query().Get("jwt"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		name := a.callAPI(inst)
		key := r.URL.Query().Get("issueKey")
		if !a.d.unescaped {
			key = html.EscapeString(key)
		}
		ct := "text/html; charset=utf-8"
		if a.d.pageText {
			ct = "text/plain"
		}
		w.Header().Set("Content-Type", ct)
		fmt.Fprintf(w, "<!DOCTYPE html><p>%s</p><p>%s</p><p>%s</p>", html.EscapeString(name), key, html.EscapeString(r.URL.Query().Get("xdm_e")))
	case "/context":
		// checkValidToken: signature and expiry, no qsh.
		if _, err := a.verify(&http.Request{Method: "GET", URL: r.URL}, headerJWT(r)); err != nil && !strings.Contains(err.Error(), "query hash") {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		a.mu.Lock()
		a.ctxToks++
		a.mu.Unlock()
		w.WriteHeader(204)
	default:
		http.NotFound(w, r)
	}
}

// callAPI calls GET /rest/api/3/myself as ACE's httpClient does for Jira.
func (a *fakeJiraApp) callAPI(inst map[string]any) string {
	ttl := 3 * time.Minute
	if a.d.longOutbound {
		ttl = time.Hour
	}
	c, err := connectjwt.NewClaims(fakeJiraKey, "", "GET", "/rest/api/3/myself", "", time.Now(), ttl)
	if err != nil {
		a.t.Error(err)
		return ""
	}
	if a.d.outboundSub {
		c.Subject = fmt.Sprint(inst["clientKey"])
	} else {
		c.Audience = connectjwt.Audience{fmt.Sprint(inst["clientKey"])}
	}
	tok, _ := connectjwt.Sign(inst["sharedSecret"].(string), c)
	var u struct {
		DisplayName string `json:"displayName"`
	}
	getJSON(a.t, fmt.Sprint(inst["baseUrl"])+"/rest/api/3/myself", tok, &u)
	return u.DisplayName
}

func newJiraHost(t *testing.T, app *fakeJiraApp) *hostsim.Host {
	h := newHost(t, app.url, nil)
	app.keyCDN = h.KeysURL()
	return h
}

// TestJiraChecksCatchEachDefect: the checks against a Jira app with one
// defect at a time; exactly the responsible check fails, naming it.
func TestJiraChecksCatchEachDefect(t *testing.T) {
	tests := []struct {
		name   string
		d      jiraDefects
		failed []int
		reason string
	}{
		{"correct", jiraDefects{}, nil, ""},
		{"unsigned install taken", jiraDefects{acceptUnsigned: true}, []int{CheckSecurity}, "with no token was accepted (204)"},
		{"HS256 install taken", jiraDefects{acceptHS256: true}, []int{CheckSecurity}, "with an HS256 token signed with the current shared secret was accepted"},
		{"aud not checked", jiraDefects{skipAud: true}, []int{CheckSecurity}, "with an RS256 token for another app (aud https://another-app.example.com) was accepted"},
		{"iss not matched", jiraDefects{skipIssMatch: true}, []int{CheckSecurity}, "with an RS256 token of another client (iss is not the payload's clientKey) was accepted"},
		{"key CDN not used", jiraDefects{ignoreKeyCDN: true}, []int{CheckInstall, CheckWebhooks, CheckPages, CheckAppCalls, CheckSecurity, CheckUninstall}, "start the app with CONNECT_KEYS_CDN_URL=http://127.0.0.1:"},
		{"webhook without auth", jiraDefects{webhookNoAuth: true}, []int{CheckSecurity}, "webhook /webhook accepted a request with no token (204)"},
		{"qsh skipped", jiraDefects{skipQSH: true}, []int{CheckSecurity}, "accepted a request with a qsh for another URL"},
		{"unescaped", jiraDefects{unescaped: true}, []int{CheckSecurity}, "page /page echoed issueKey unescaped"},
		{"outbound with sub", jiraDefects{outboundSub: true}, []int{CheckAppCalls}, `aud is missing (sub = the client key is how Bitbucket names the installation, not Jira or Confluence); Jira identifies the installation by aud = [`},
		{"long-lived outbound", jiraDefects{longOutbound: true}, []int{CheckAppCalls}, "GET /rest/api/3/myself: the token lives too long: exp is 1h0m0s after iat; an app's token may live at most 3m0s"},
		{"kept after uninstall", jiraDefects{keepAfterUninstal: true}, []int{CheckUninstall}, "after the uninstall, webhook /webhook still accepted"},
		{"page not html", jiraDefects{pageText: true}, []int{CheckPages}, `want text/html`},
		{"webhook 500", jiraDefects{webhook500: true}, []int{CheckWebhooks}, `jira:issue_created to `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := startFakeJiraApp(t, tt.d)
			h := newJiraHost(t, app)
			r := Run(context.Background(), h)
			var sb strings.Builder
			r.WriteTextVerbose(&sb)
			if fmt.Sprint(r.Failed()) != fmt.Sprint(tt.failed) {
				t.Fatalf("failed %v, want %v\n%s", r.Failed(), tt.failed, sb.String())
			}
			if r.Product != hostsim.Jira || !strings.HasPrefix(sb.String(), "Local Jira host ") {
				t.Fatalf("product %q\n%s", r.Product, sb.String())
			}
			if tt.failed == nil {
				return
			}
			if got := r.Check(tt.failed[0]).Reason; !strings.Contains(got, tt.reason) {
				t.Errorf("check %d reason %q, want it to contain %q\n%s", tt.failed[0], got, tt.reason, sb.String())
			}
		})
	}
}

// TestJiraHostSpeaksJira: what a correct Jira app saw is Jira's: an RS256
// install with kid, aud and a shared secret in a Jira payload, page URLs
// with Jira's parameters, Jira webhook payloads, and the REST stand-in
// answering the app's call with aud.
func TestJiraHostSpeaksJira(t *testing.T) {
	app := startFakeJiraApp(t, jiraDefects{})
	h := newJiraHost(t, app)
	ctx := context.Background()
	r := Run(ctx, h)
	if !r.OK() {
		var sb strings.Builder
		r.WriteTextVerbose(&sb)
		t.Fatalf("failed %v\n%s", r.Failed(), sb.String())
	}
	if got := r.Check(CheckWebhooks).Reason; got != "2 signed webhook(s) accepted" {
		t.Errorf("check 3: %q", got)
	}
	var myself int
	for _, c := range h.Calls() {
		if c.Path == "/rest/api/3/myself" && c.OK && c.Status == 200 {
			myself++
		}
	}
	if myself == 0 {
		t.Errorf("no valid GET /rest/api/3/myself; calls %+v", h.Calls())
	}
	app.mu.Lock()
	hooks := app.hooks
	app.mu.Unlock()
	events := map[string]bool{}
	for _, b := range hooks {
		events[fmt.Sprint(b["webhookEvent"])] = true
		if b["issue"] == nil {
			t.Errorf("webhook without an issue: %v", b)
		}
	}
	if !events["jira:issue_created"] || !events["comment_created"] {
		t.Errorf("webhook events %v", events)
	}
	sec := strings.Join(r.Check(CheckSecurity).Details, "\n")
	for _, want := range []string{
		"reinstall with an HS256 token signed with the current shared secret: refused (401)",
		"reinstall with an expired RS256 token: refused (401)",
		"reinstall with an RS256 token signed with another key under the host's kid: refused",
		"reinstall signed with the host's RS256 key: accepted (204)",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("check 6 details lack %q:\n%s", want, sec)
		}
	}

	// Installed again: a signed page URL carries Jira's parameters and
	// the sample issue; a context token is accepted where no qsh is
	// checked; the key CDN serves only the host's kid.
	inst, err := h.Install(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if inst.BaseURL != h.APIURL() || !strings.Contains(inst.ClientKey, "-") {
		t.Errorf("installation %+v", inst)
	}
	u, err := h.SignedURL("/page?issueKey={issue.key}")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"issueKey=SAMP-1", "xdm_e=" + url.QueryEscape(h.APIURL()), "cp=&", "lic=none", "xdm_c=channel-fake-jira-app__hello", "&jwt="} {
		if !strings.Contains(u, want) {
			t.Errorf("signed URL %s lacks %s", u, want)
		}
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Sample User") {
		t.Errorf("signed page: %d %s", resp.StatusCode, body)
	}
	tok, err := h.ContextToken()
	if err != nil {
		t.Fatal(err)
	}
	_, c, _ := connectjwt.Parse(tok)
	if c.QSH != connectjwt.ContextQSH || c.Issuer != inst.ClientKey || c.Context["jira"] == nil {
		t.Errorf("context token claims %+v", c)
	}
	req, _ := http.NewRequest("GET", app.url+"/context", nil)
	req.Header.Set("Authorization", "JWT "+tok)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
		t.Errorf("context token refused: %v %v", resp, err)
	}
	resp, err = http.Get(h.KeysURL() + "/another-kid")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown kid answered %d", resp.StatusCode)
	}
	// AP.request on the app's behalf: signed with aud.
	ar, err := h.Request(ctx, "GET", "/rest/api/3/issue/SAMP-1", "", nil)
	if err != nil || ar.Status != 200 || !strings.Contains(string(ar.Body), `"key":"SAMP-1"`) {
		t.Errorf("Request: %v %d %s", err, ar.Status, ar.Body)
	}
	ar, err = h.Request(ctx, "POST", "/rest/api/3/permissions/check", "application/json",
		[]byte(`{"globalPermissions":["ADMINISTER"],"projectPermissions":[{"permissions":["BROWSE_PROJECTS"],"projects":[10000]}]}`))
	if err != nil || ar.Status != 200 || !strings.Contains(string(ar.Body), `"globalPermissions":["ADMINISTER"]`) || !strings.Contains(string(ar.Body), `"permission":"BROWSE_PROJECTS"`) {
		t.Errorf("permissions/check: %v %d %s", err, ar.Status, ar.Body)
	}
	ar, err = h.Request(ctx, "GET", "/wiki/rest/api/user/current", "", nil)
	if err != nil || ar.Status != 404 || !strings.Contains(string(ar.Body), "The local Jira host does not serve GET /wiki/rest/api/user/current") {
		t.Errorf("a Confluence path on Jira: %v %d %s", err, ar.Status, ar.Body)
	}
}

// TestConfluenceStandIn: with --product confluence the payload's baseUrl
// has /wiki, and the REST stand-in checks the qsh without it, as ACE's
// httpClient signs it.
func TestConfluenceStandIn(t *testing.T) {
	app := startFakeJiraApp(t, jiraDefects{})
	h := newHost(t, app.url, func(o *hostsim.Options) { o.Product = hostsim.Confluence })
	app.keyCDN = h.KeysURL()
	ctx := context.Background()
	inst, err := h.Install(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if inst.BaseURL != h.APIURL()+"/wiki" {
		t.Errorf("baseUrl %s", inst.BaseURL)
	}
	call := func(path, qshPath string, aud bool) (int, string) {
		c, err := connectjwt.NewClaims(fakeJiraKey, "", "GET", qshPath, "", time.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if aud {
			c.Audience = connectjwt.Audience{inst.ClientKey}
		}
		tok, _ := connectjwt.Sign(inst.SharedSecret, c)
		req, _ := http.NewRequest("GET", h.APIURL()+path, nil)
		req.Header.Set("Authorization", "JWT "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := call("/wiki/rest/api/user/current", "/rest/api/user/current", true); st != 200 || !strings.Contains(b, `"publicName":"Sample User"`) {
		t.Errorf("user/current: %d %s", st, b)
	}
	if st, b := call("/wiki/api/v2/pages/98305", "/api/v2/pages/98305", true); st != 200 || !strings.Contains(b, `"title":"Sample Page"`) {
		t.Errorf("pages: %d %s", st, b)
	}
	if st, b := call("/wiki/rest/api/user/current", "/wiki/rest/api/user/current", true); st != 401 || !strings.Contains(b, "query hash does not match") {
		t.Errorf("qsh with /wiki: %d %s", st, b)
	}
	if st, b := call("/wiki/rest/api/user/current", "/rest/api/user/current", false); st != 401 || !strings.Contains(b, "Confluence identifies the installation by aud") {
		t.Errorf("no aud: %d %s", st, b)
	}
	ar, err := h.Request(ctx, "GET", "/rest/api/user/current", "", nil)
	if err != nil || ar.Status != 200 {
		t.Errorf("Request: %v %d %s", err, ar.Status, ar.Body)
	}
	// What ACE's authorizeConfluence asks.
	ar, err = h.Request(ctx, "GET", "/rest/api/user?accountId="+url.QueryEscape(h.CloudSample().AccountID)+"&expand=operations", "", nil)
	if err != nil || ar.Status != 200 || !strings.Contains(string(ar.Body), `"operation":"update"`) {
		t.Errorf("user?accountId: %v %d %s", err, ar.Status, ar.Body)
	}
	ar, err = h.Request(ctx, "POST", "/wiki/rest/api/content/98305/permission/check", "application/json", []byte(`{"subject":{"type":"user","identifier":"x"},"operation":"update"}`))
	if err != nil || ar.Status != 200 || string(ar.Body) != "{\"hasPermission\":true}\n" {
		t.Errorf("permission/check: %v %d %q", err, ar.Status, ar.Body)
	}
	st, b, err := h.SendWebhook(ctx, "comment_created")
	if err != nil || st != 204 {
		t.Errorf("webhook: %d %s %v", st, b, err)
	}
}
