package hostcheck

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/hostsim"
)

func installed(t *testing.T, d defects) (*fakeApp, *hostsim.Host, hostsim.Installation) {
	t.Helper()
	app := startFakeApp(t, d)
	h := newHost(t, app.url, nil)
	inst, err := h.Install(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return app, h, inst
}

func TestInstallPayload(t *testing.T) {
	app, h, inst := installed(t, defects{})
	if len(app.bodies) != 1 || app.auths[0] != "" {
		t.Fatalf("first install: %d bodies, Authorization %q; want one, unsigned", len(app.bodies), app.auths)
	}
	b := app.bodies[0]
	for k, want := range map[string]any{
		"key": fakeKey, "clientKey": inst.ClientKey, "sharedSecret": inst.SharedSecret,
		"baseUrl": h.APIURL(), "baseApiUrl": h.APIURL(), "productType": "bitbucket", "eventType": "installed",
	} {
		if b[k] != want {
			t.Errorf("%s = %v, want %v", k, b[k], want)
		}
	}
	if !strings.HasPrefix(inst.ClientKey, "connection:") || len(inst.SharedSecret) != 64 {
		t.Errorf("client key %q, secret of %d characters", inst.ClientKey, len(inst.SharedSecret))
	}
	for _, k := range []string{"principal", "user"} {
		p, _ := b[k].(map[string]any)
		if p["uuid"] != h.Sample().UserUUID || p["type"] != "user" {
			t.Errorf("%s = %v", k, b[k])
		}
	}
	if pk, _ := b["publicKey"].(string); pk == "" {
		t.Error("no publicKey")
	}

	// A reinstall and the uninstall are signed with the secret, for
	// their own URL.
	if err := h.Reinstall(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.Uninstall(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, path := range map[int]string{1: "/installed", 2: "/uninstalled"} {
		tok, ok := strings.CutPrefix(app.auths[i], "JWT ")
		if !ok {
			t.Fatalf("%s: Authorization %q", path, app.auths[i])
		}
		c, err := connectjwt.Verify(tok, inst.SharedSecret, &connectjwt.Request{Method: "POST", URL: path}, time.Now())
		if err != nil || c.Issuer != inst.ClientKey || len(c.Audience) != 1 || c.Audience[0] != inst.ClientKey {
			t.Errorf("%s: %+v %v", path, c, err)
		}
	}
	if got := app.bodies[2]["eventType"]; got != "uninstalled" {
		t.Errorf("uninstall eventType %v", got)
	}
	if _, ok := h.Installation(); ok {
		t.Error("still installed after Uninstall")
	}
	if err := h.Uninstall(context.Background()); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("second Uninstall: %v", err)
	}
}

func TestWebhookPayloads(t *testing.T) {
	app, h, inst := installed(t, defects{})
	if got := strings.Join(h.Events(), " "); got != "repo:push user:account_property_changed" {
		t.Fatalf("Events() = %q", got)
	}
	status, _, err := h.SendWebhook(context.Background(), "repo:push")
	if err != nil || status != 204 {
		t.Fatalf("SendWebhook: %d %v", status, err)
	}
	r, body := app.hooks[0], app.hookBody[0]
	if r.Header.Get("X-Event-Key") != "repo:push" || r.Header.Get("X-Request-Uuid") == "" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", r.Header)
	}
	if body["event"] != "repo:push" {
		t.Errorf("event %v", body["event"])
	}
	data, _ := body["data"].(map[string]any)
	repo, _ := data["repository"].(map[string]any)
	push, _ := data["push"].(map[string]any)
	if repo["full_name"] != "sample-workspace/sample-repo" || push == nil || data["actor"] == nil {
		t.Errorf("data %v", data)
	}
	c, err := connectjwt.Verify(headerJWT(r), inst.SharedSecret, &connectjwt.Request{Method: "POST", URL: "/webhook"}, time.Now())
	if err != nil || c.Issuer != inst.ClientKey {
		t.Errorf("webhook token: %+v %v", c, err)
	}
	// Without the scope, an event is not sent.
	if _, _, err := h.SendWebhook(context.Background(), "pullrequest:created"); err == nil || !strings.Contains(err.Error(), "no webhook for pullrequest:created") {
		t.Errorf("pullrequest:created without the scope: %v", err)
	}
}

func TestHookEvents(t *testing.T) {
	h := newHost(t, "http://127.0.0.1:1", func(o *hostsim.Options) { o.Product = hostsim.Bitbucket })
	star := hostsim.Webhook{Event: "*", URL: "/w"}
	tests := []struct {
		scopes   []string
		declared bool
		want     string
	}{
		{nil, false, "repo:push pullrequest:created issue:created project:updated user:account_property_changed"},
		{[]string{}, true, ""},
		{[]string{"pullrequest"}, true, "repo:push pullrequest:created"},
		{[]string{"issue:write", "account"}, true, "issue:created user:account_property_changed"},
		{[]string{"repository:admin"}, true, ""},
	}
	for _, tt := range tests {
		d := &hostsim.Descriptor{Scopes: tt.scopes, ScopesDeclared: tt.declared}
		if got := strings.Join(h.WebhookEvents(d, star), " "); got != tt.want {
			t.Errorf("scopes %v: %q, want %q", tt.scopes, got, tt.want)
		}
	}
	if got := h.WebhookEvents(&hostsim.Descriptor{}, hostsim.Webhook{Event: "repo:fork"}); len(got) != 1 || got[0] != "repo:fork" {
		t.Errorf("a named event: %v", got)
	}
}

func TestFillURLAndAppPath(t *testing.T) {
	h := newHost(t, "http://127.0.0.1:1", func(o *hostsim.Options) { o.Product = hostsim.Bitbucket })
	tests := []struct{ tmpl, want, unknown string }{
		{"/p?repoPath={repository.full_name}", "/p?repoPath=sample-workspace%2Fsample-repo", ""},
		{"/r/{repository.full_name}/pr/{pullrequest.id}", "/r/sample-workspace%2Fsample-repo/pr/1", ""},
		{"/p?u={user.uuid}&x=1&flag", "/p?u=%7B6a8b1ee2-3f4d-4a51-9b2c-7d8e9f0a1b2c%7D&x=1&flag", ""},
		{"/p?a={no.such}", "/p?a=", "no.such"},
	}
	for _, tt := range tests {
		got, unknown := h.FillURL(tt.tmpl, nil)
		if got != tt.want || strings.Join(unknown, ",") != tt.unknown {
			t.Errorf("fillURL(%q) = %q %v, want %q %q", tt.tmpl, got, unknown, tt.want, tt.unknown)
		}
	}
	got, _ := h.FillURL("/p?repoPath={repository.full_name}&n=1", func(string) (string, bool) { return xssMarker, true })
	if got != "/p?repoPath=%3Cscript%3Econnectgen_xss%28%29%3C%2Fscript%3E&n=1" {
		t.Errorf("override: %q", got)
	}

	paths := []struct {
		raw, base, want string
		ok              bool
	}{
		{"/page?x=1", "https://app.example", "/page?x=1", true},
		{"page", "https://app.example", "/page", true},
		{"https://app.example/sub/page", "https://app.example/sub", "/page", true},
		{"https://app.example/sub", "https://app.example/sub/", "/", true},
		{"https://app.example/subway", "https://app.example/sub", "", false},
		{"https://elsewhere.example/page", "https://app.example", "", false},
		{"//elsewhere.example/page", "https://app.example", "", false},
	}
	for _, tt := range paths {
		got, ok := hostsim.AppPath(tt.raw, tt.base)
		if got != tt.want || ok != tt.ok {
			t.Errorf("appPath(%q, %q) = %q %v, want %q %v", tt.raw, tt.base, got, ok, tt.want, tt.ok)
		}
	}
}

// TestAPIRefusesBadTokens calls the REST API as an app would, with every
// kind of bad token, and checks the reason the host gives.
func TestAPIRefusesBadTokens(t *testing.T) {
	_, h, inst := installed(t, defects{})
	now := time.Now()
	sign := func(iss, sub, secret, method, path string, at time.Time) string {
		c, err := connectjwt.NewClaims(iss, sub, method, path, "", at, hostsim.TokenTTL)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := connectjwt.Sign(secret, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := func(path string) string {
		return "JWT " + sign(fakeKey, inst.ClientKey, inst.SharedSecret, "GET", path, now)
	}
	c, _ := connectjwt.NewClaims(fakeKey, inst.ClientKey, "GET", "/2.0/user", "", now, hostsim.TokenTTL)
	payload, _ := json.Marshal(c)
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."

	tests := []struct {
		name, path, auth string
		status           int
		reason           string
	}{
		{"user", "/2.0/user", good("/2.0/user"), 200, ""},
		{"user with slash", "/2.0/user/", good("/2.0/user/"), 200, ""},
		{"repository", "/2.0/repositories/sample-workspace/sample-repo", good("/2.0/repositories/sample-workspace/sample-repo"), 200, ""},
		{"workspace", "/2.0/workspaces/sample-workspace", good("/2.0/workspaces/sample-workspace"), 200, ""},
		{"other repository", "/2.0/repositories/sample-workspace/nope", good("/2.0/repositories/sample-workspace/nope"), 404, ""},
		{"no token", "/2.0/user", "", 401, "no token"},
		{"token in the query", "/2.0/user?jwt=abc", "", 401, "the token is in the query string"},
		{"basic auth", "/2.0/user", "Basic dXNlcjpwYXNz", 401, `it starts "Basic"`},
		{"garbage", "/2.0/user", "JWT x.y", 401, "the token cannot be read"},
		{"iss is the client key", "/2.0/user", "JWT " + sign(inst.ClientKey, fakeKey, inst.SharedSecret, "GET", "/2.0/user", now), 401, `iss is "` + inst.ClientKey + `"; an app's token must be issued by its app key "fake-app"`},
		{"sub is wrong", "/2.0/user", "JWT " + sign(fakeKey, "connection:1", inst.SharedSecret, "GET", "/2.0/user", now), 401, `sub is "connection:1"`},
		{"bad signature", "/2.0/user", "JWT " + sign(fakeKey, inst.ClientKey, "wrong", "GET", "/2.0/user", now), 401, "signature"},
		{"expired", "/2.0/user", "JWT " + sign(fakeKey, inst.ClientKey, inst.SharedSecret, "GET", "/2.0/user", now.Add(-time.Hour)), 401, "expired"},
		{"qsh of another URL", "/2.0/user", "JWT " + sign(fakeKey, inst.ClientKey, inst.SharedSecret, "GET", "/2.0/workspaces/sample-workspace", now), 401, "qsh"},
		{"alg none", "/2.0/user", "JWT " + none, 401, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.Calls())
			req, _ := http.NewRequest("GET", h.APIURL()+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, tt.status, body)
			}
			calls := h.Calls()[before:]
			if len(calls) != 1 {
				t.Fatalf("%d calls recorded, want 1", len(calls))
			}
			call := calls[0]
			if call.Status != tt.status || call.OK != (tt.reason == "") || !strings.Contains(call.Reason, tt.reason) {
				t.Errorf("recorded %+v, want status %d reason %q", call, tt.status, tt.reason)
			}
			if tt.status == 401 {
				e, _ := body["error"].(map[string]any)
				if body["type"] != "error" || e["message"] != call.Reason {
					t.Errorf("401 body %v, want Bitbucket's error with the reason", body)
				}
			}
			if tt.name == "user" && body["display_name"] != "Sample User" {
				t.Errorf("user %v", body)
			}
			if tt.name == "repository" && body["full_name"] != "sample-workspace/sample-repo" {
				t.Errorf("repository %v", body)
			}
		})
	}

	// Request signs as the app, as AP.request needs.
	resp, err := h.Request(context.Background(), "GET", "/2.0/workspaces/sample-workspace?fields=slug", "", nil)
	if err != nil || resp.Status != 200 || !bytes.Contains(resp.Body, []byte(`"slug":"sample-workspace"`)) {
		t.Errorf("Request: %d %s %v", resp.Status, resp.Body, err)
	}

	// After the uninstall nothing is accepted.
	if err := h.Uninstall(context.Background()); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", h.APIURL()+"/2.0/user", nil)
	req.Header.Set("Authorization", good("/2.0/user"))
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	calls := h.Calls()
	if resp2.StatusCode != 401 || !strings.Contains(calls[len(calls)-1].Reason, "not installed") {
		t.Errorf("after uninstall: %d %+v", resp2.StatusCode, calls[len(calls)-1])
	}
}

func TestUnreachableApp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	h := newHost(t, "http://"+addr, nil)
	r := Run(context.Background(), h)
	if !r.Unreachable || r.OK() || len(r.Checks) != 7 {
		t.Fatalf("report %+v", r)
	}
	if c := r.Check(CheckDescriptor); c.Skipped || !strings.Contains(c.Reason, "cannot reach the app at http://"+addr+"/atlassian-connect.json") {
		t.Errorf("check 1: %+v", c)
	}
	for id := CheckInstall; id <= CheckUninstall; id++ {
		if c := r.Check(id); !c.Skipped || c.Passed || c.Reason != "skipped: the app could not be reached" {
			t.Errorf("check %d: %+v", id, c)
		}
	}
}

// TestSlowAppTimesOut: an app that never answers costs one Timeout, and the
// report says so.
func TestSlowAppTimesOut(t *testing.T) {
	release := make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })}
	go srv.Serve(ln)
	t.Cleanup(func() { close(release); srv.Close() })
	h := newHost(t, "http://"+ln.Addr().String(), func(o *hostsim.Options) { o.Timeout = 300 * time.Millisecond })
	r := Run(context.Background(), h)
	if c := r.Check(CheckDescriptor); c.Passed || !strings.Contains(c.Reason, "Timeout") {
		t.Errorf("check 1: %+v", c)
	}
}

func TestNewRefusesBadAppURLs(t *testing.T) {
	for _, u := range []string{"ftp://x", "127.0.0.1:3000", "http://", "http://127.0.0.1:3000/?a=1", "http://127.0.0.1:3000/#x"} {
		if h, err := hostsim.New(hostsim.Options{AppURL: u}); err == nil {
			h.Close()
			t.Errorf("New(%q) accepted it", u)
		}
	}
}

func TestReportOutput(t *testing.T) {
	r := &Report{AppURL: "http://127.0.0.1:3000", APIURL: "http://127.0.0.1:5000", Duration: 1500 * time.Millisecond, Checks: []*Check{
		{ID: 1, Name: "descriptor", Passed: true, Reason: "valid", Details: []string{"hidden unless verbose"}},
		{ID: 2, Name: "install", Reason: "answered 500", Details: []string{"POST /installed: 500"}},
		{ID: 3, Name: "webhooks", Skipped: true, Reason: "skipped: the app is not installed"},
	}}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `Local Bitbucket host http://127.0.0.1:5000 -> app http://127.0.0.1:3000
PASS 1 descriptor  valid
FAIL 2 install     answered 500
       POST /installed: 500
SKIP 3 webhooks    skipped: the app is not installed
1 of 3 checks passed, 1 failed, 1 skipped (1.5s)
`
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	r.WriteTextVerbose(&b)
	if !strings.Contains(b.String(), "       hidden unless verbose\n") {
		t.Errorf("verbose lacks details:\n%s", b.String())
	}
	b.Reset()
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		OK         bool  `json:"ok"`
		Failed     []int `json:"failed"`
		Passed     int   `json:"passed"`
		DurationMS int64 `json:"durationMs"`
		Checks     []struct {
			ID      int    `json:"id"`
			Name    string `json:"name"`
			Passed  bool   `json:"passed"`
			Skipped bool   `json:"skipped"`
			Reason  string `json:"reason"`
		} `json:"checks"`
		AppURL string `json:"appUrl"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.OK || len(got.Failed) != 2 || got.Failed[0] != 2 || got.Passed != 1 || got.DurationMS != 1500 ||
		len(got.Checks) != 3 || !got.Checks[2].Skipped || got.Checks[1].Reason != "answered 500" || got.AppURL != "http://127.0.0.1:3000" {
		t.Errorf("json: %+v\n%s", got, b.String())
	}
	if (&Report{}).OK() {
		t.Error("an empty report is OK")
	}
}
