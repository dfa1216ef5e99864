package hostcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// defects switch on one mistake each in fakeApp.
type defects struct {
	webhookNoAuth      bool // webhooks accept anything
	skipQSH            bool // tokens are not checked against the request
	unescaped          bool // the page echoes repoPath raw
	badOutbound        bool // the app's API call is signed with a wrong secret
	longOutbound       bool // the app's API call carries a token valid for an hour
	unsignedReinstall  bool // a reinstall without a token replaces the installation
	keepAfterUninstall bool // the uninstall is answered but nothing is forgotten
	pageText           bool // the page answers text/plain
	webhook500         bool // webhooks fail
	installFails       bool // /installed answers 500
	noAPICall          bool // the page calls nothing
	hugeDescriptor     bool // the descriptor is larger than any limit
	manyPages          bool // 60 repo pages with distinct URLs
	probeCallsBadly    bool // a page with <script> in repoPath calls the API with a bad token
	uninstallFails     bool // /uninstalled answers 500
}

// fakeApp is a Connect app written in Go on a real loopback server: with
// no defects it does everything right, using internal/connectjwt to check
// tokens as ACE does.
type fakeApp struct {
	t   *testing.T
	d   defects
	url string

	mu       sync.Mutex
	installs map[string]map[string]any
	bodies   []map[string]any // lifecycle bodies received
	auths    []string         // their Authorization headers
	hooks    []*http.Request
	hookBody []map[string]any

	// extra holds descriptor keys added to the usual ones.
	extra map[string]any
	// log, when not nil, gets a line per request the app refuses or
	// serves, as an app's own log does.
	log io.Writer
}

func (a *fakeApp) logf(format string, args ...any) {
	if a.log != nil {
		fmt.Fprintf(a.log, format+"\n", args...)
	}
}

const fakeKey = "fake-app"

func startFakeApp(t *testing.T, d defects) *fakeApp {
	t.Helper()
	a := &fakeApp{t: t, d: d, installs: map[string]map[string]any{}}
	a.url = serveLoopback(t, a)
	return a
}

// serveLoopback serves h on a free loopback port until the test ends and
// returns its URL.
func serveLoopback(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func (a *fakeApp) descriptor() map[string]any {
	pages := []any{map[string]any{
		"key": "fake-page", "name": map[string]any{"value": "Fake"},
		"url": "/page?repoPath={repository.full_name}", "location": "org.bitbucket.repository.navigation",
	}}
	if a.d.manyPages {
		for i := range 59 {
			pages = append(pages, map[string]any{
				"key": fmt.Sprintf("fake-page-%d", i), "name": map[string]any{"value": "Fake"},
				"url": fmt.Sprintf("/page?repoPath={repository.full_name}&n=%d", i), "location": "org.bitbucket.repository.navigation",
			})
		}
	}
	d := map[string]any{
		"key": fakeKey, "name": "Fake App", "description": "A fake app",
		"baseUrl":        a.url,
		"authentication": map[string]any{"type": "jwt"},
		"lifecycle":      map[string]any{"installed": "/installed", "uninstalled": "/uninstalled"},
		"modules": map[string]any{
			"webhooks":  []any{map[string]any{"event": "*", "url": "/webhook"}},
			"repoPages": pages,
		},
		"scopes":   []any{"account", "repository"},
		"contexts": []any{"account"},
	}
	for k, v := range a.extra {
		d[k] = v
	}
	return d
}

func (a *fakeApp) verify(r *http.Request, token string) (map[string]any, error) {
	return verifyHostToken(&a.mu, a.installs, r, token, a.d.skipQSH)
}

// verifyHostToken checks a token from the host as ACE's authenticate()
// does, with the shared secret of the installation its iss names in
// installs (guarded by mu); skipQSH is the defect of not checking the qsh.
func verifyHostToken(mu *sync.Mutex, installs map[string]map[string]any, r *http.Request, token string, skipQSH bool) (map[string]any, error) {
	_, c, err := connectjwt.Parse(token)
	if err != nil {
		return nil, err
	}
	mu.Lock()
	inst := installs[c.Issuer]
	mu.Unlock()
	if inst == nil {
		return nil, errors.New("unknown client")
	}
	var req *connectjwt.Request
	if !skipQSH {
		req = &connectjwt.Request{Method: r.Method, URL: r.URL.RequestURI()}
	}
	_, err = connectjwt.Verify(token, inst["sharedSecret"].(string), req, time.Now())
	return inst, err
}

func headerJWT(r *http.Request) string {
	t, _ := strings.CutPrefix(r.Header.Get("Authorization"), "JWT ")
	return t
}

func (a *fakeApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/atlassian-connect.json":
		w.Header().Set("Content-Type", "application/json")
		if a.d.hugeDescriptor {
			w.Write([]byte(`{"key": "` + strings.Repeat("x", 2<<20) + `"}`))
			return
		}
		json.NewEncoder(w).Encode(a.descriptor())
	case "/installed":
		if a.d.installFails {
			http.Error(w, "store is down", 500)
			return
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		a.mu.Lock()
		a.bodies = append(a.bodies, body)
		a.auths = append(a.auths, r.Header.Get("Authorization"))
		_, known := a.installs[fmt.Sprint(body["clientKey"])]
		a.mu.Unlock()
		if known && !a.d.unsignedReinstall {
			if _, err := a.verify(r, headerJWT(r)); err != nil {
				a.logf("refused a reinstall: %v", err)
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
		}
		a.logf("installed %v", body["clientKey"])
		a.mu.Lock()
		a.installs[fmt.Sprint(body["clientKey"])] = body
		a.mu.Unlock()
		w.WriteHeader(204)
	case "/uninstalled":
		if a.d.uninstallFails {
			http.Error(w, "store is down", 500)
			return
		}
		inst, err := a.verify(r, headerJWT(r))
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		a.mu.Lock()
		a.bodies = append(a.bodies, body)
		a.auths = append(a.auths, r.Header.Get("Authorization"))
		if !a.d.keepAfterUninstall {
			delete(a.installs, fmt.Sprint(inst["clientKey"]))
		}
		a.mu.Unlock()
		w.WriteHeader(204)
	case "/webhook":
		if !a.d.webhookNoAuth {
			if _, err := a.verify(r, headerJWT(r)); err != nil {
				a.logf("refused a webhook: %v", err)
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		a.mu.Lock()
		a.hooks = append(a.hooks, r)
		a.hookBody = append(a.hookBody, body)
		a.mu.Unlock()
		if a.d.webhook500 {
			http.Error(w, "boom", 500)
			return
		}
		w.WriteHeader(204)
	case "/page":
		inst, err := a.verify(r, r.URL.Query().Get("jwt"))
		if err != nil {
			a.logf("refused a page: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		a.logf("served the page")
		name := "?"
		probe := strings.Contains(r.URL.Query().Get("repoPath"), "<script>")
		switch {
		case a.d.probeCallsBadly && probe:
			// A call built from the probe's value, whose token does not
			// match: the app's answer to the probe, not its own call.
			a.callAPIWith(inst, "not-the-shared-secret")
		case !a.d.noAPICall:
			name = a.callAPI(inst)
		}
		repo := r.URL.Query().Get("repoPath")
		if !a.d.unescaped {
			repo = html.EscapeString(repo)
		}
		ct := "text/html; charset=utf-8"
		if a.d.pageText {
			ct = "text/plain"
		}
		w.Header().Set("Content-Type", ct)
		fmt.Fprintf(w, "<!DOCTYPE html><p>%s</p><p>%s</p>", html.EscapeString(name), repo)
	default:
		http.NotFound(w, r)
	}
}

// callAPI calls GET /2.0/user as ACE's httpClient does.
func (a *fakeApp) callAPI(inst map[string]any) string {
	secret := inst["sharedSecret"].(string)
	if a.d.badOutbound {
		secret = "not-the-shared-secret"
	}
	return a.callAPIWith(inst, secret)
}

func (a *fakeApp) callAPIWith(inst map[string]any, secret string) string {
	ttl := 3 * time.Minute
	if a.d.longOutbound {
		ttl = time.Hour
	}
	c, err := connectjwt.NewClaims(fakeKey, fmt.Sprint(inst["clientKey"]), "GET", "/2.0/user", "", time.Now(), ttl)
	if err != nil {
		a.t.Error(err)
		return ""
	}
	tok, _ := connectjwt.Sign(secret, c)
	var u struct {
		DisplayName string `json:"display_name"`
	}
	getJSON(a.t, fmt.Sprint(inst["baseApiUrl"])+"/2.0/user", tok, &u)
	return u.DisplayName
}

// getJSON GETs u with the app token tok and decodes the JSON answer into v.
func getJSON(t *testing.T, u, tok string, v any) {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "JWT "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	defer resp.Body.Close()
	json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

func newHost(t *testing.T, appURL string, mod func(*hostsim.Options)) *hostsim.Host {
	t.Helper()
	o := hostsim.Options{AppURL: appURL, Timeout: 5 * time.Second}
	if mod != nil {
		mod(&o)
	}
	h, err := hostsim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// TestChecksCatchEachDefect runs the checks against the fake app with one
// defect at a time: exactly the check responsible must fail, saying why.
func TestChecksCatchEachDefect(t *testing.T) {
	tests := []struct {
		name   string
		d      defects
		failed []int
		reason string // in the first failed check's reason
	}{
		{"correct", defects{}, nil, ""},
		{"webhook without auth", defects{webhookNoAuth: true}, []int{CheckSecurity}, "webhook /webhook accepted a request with no token (204)"},
		{"qsh skipped", defects{skipQSH: true}, []int{CheckSecurity}, "webhook /webhook accepted a request with a qsh for another URL (204); page /page?repoPath=sample-workspace%2Fsample-repo accepted a request with a qsh for another URL (200)"},
		{"unescaped", defects{unescaped: true}, []int{CheckSecurity}, "page /page echoed repoPath unescaped"},
		{"bad outbound", defects{badOutbound: true}, []int{CheckAppCalls}, "GET /2.0/user: the token is not valid"},
		{"long-lived outbound", defects{longOutbound: true}, []int{CheckAppCalls}, "GET /2.0/user: the token lives too long: exp is 1h0m0s after iat; an app's token may live at most 3m0s"},
		{"unsigned reinstall", defects{unsignedReinstall: true}, []int{CheckSecurity}, "without a token was accepted (204)"},
		{"kept after uninstall", defects{keepAfterUninstall: true}, []int{CheckUninstall}, "after the uninstall, webhook /webhook still accepted a request signed for"},
		{"page not html", defects{pageText: true}, []int{CheckPages}, `Content-Type "text/plain", want text/html`},
		{"webhook 500", defects{webhook500: true}, []int{CheckWebhooks}, `repo:push to `},
		{"install fails", defects{installFails: true}, []int{CheckInstall, CheckWebhooks, CheckPages, CheckAppCalls, CheckSecurity, CheckUninstall}, `answered 500 "store is down"`},
		{"huge descriptor", defects{hugeDescriptor: true}, []int{1, 2, 3, 4, 5, 6, 7}, "larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := startFakeApp(t, tt.d)
			h := newHost(t, app.url, nil)
			r := Run(context.Background(), h)
			var sb strings.Builder
			r.WriteTextVerbose(&sb)
			if fmt.Sprint(r.Failed()) != fmt.Sprint(tt.failed) {
				t.Fatalf("failed %v, want %v\n%s", r.Failed(), tt.failed, sb.String())
			}
			if len(r.Checks) != 7 {
				t.Fatalf("%d checks, want 7", len(r.Checks))
			}
			if tt.failed == nil {
				if !r.OK() {
					t.Fatal("not OK")
				}
				return
			}
			if r.OK() {
				t.Fatal("OK with failed checks")
			}
			if got := r.Check(tt.failed[0]).Reason; !strings.Contains(got, tt.reason) {
				t.Errorf("check %d reason %q, want it to contain %q\n%s", tt.failed[0], got, tt.reason, sb.String())
			}
			for _, id := range tt.failed[1:] {
				if c := r.Check(id); !c.Skipped || !strings.HasPrefix(c.Reason, "skipped: ") {
					t.Errorf("check %d after a failed prerequisite: %+v, want skipped", id, c)
				}
			}
		})
	}
}

func TestManyPagesAreBounded(t *testing.T) {
	app := startFakeApp(t, defects{manyPages: true})
	r := Run(context.Background(), newHost(t, app.url, nil))
	c := r.Check(CheckPages)
	if !r.OK() || c.Reason != "50 page(s) of 60 module(s) answered 2xx HTML" {
		t.Fatalf("failed %v; check 4: %q", r.Failed(), c.Reason)
	}
	notes := 0
	for _, d := range c.Details {
		if strings.Contains(d, "not loaded; only the first 50 distinct page URLs are") {
			notes++
		}
	}
	if notes != 10 {
		t.Errorf("%d notes about pages not loaded, want 10", notes)
	}
}

func TestCorrectAppCallsAreJudged(t *testing.T) {
	app := startFakeApp(t, defects{})
	h := newHost(t, app.url, nil)
	r := Run(context.Background(), h)
	if !r.OK() {
		t.Fatalf("failed %v", r.Failed())
	}
	// Two page loads with a valid token (check 4 and the escaping test):
	// both API calls are valid; the second answers check 6's probe and is
	// listed, not counted.
	c5 := r.Check(CheckAppCalls)
	if got := c5.Reason; got != "all 1 call(s) to the REST API carried a valid app token" {
		t.Errorf("check 5: %q", got)
	}
	if got := strings.Join(c5.Details, "\n"); !strings.Contains(got, "GET /2.0/user: 200, valid app token; not counted: made while serving check 6's <script> probe") {
		t.Errorf("check 5 does not list the probe's call:\n%s", got)
	}
	noCall := startFakeApp(t, defects{noAPICall: true})
	r = Run(context.Background(), newHost(t, noCall.url, nil))
	if got := r.Check(CheckAppCalls); !got.Passed || got.Reason != "not tried: the app made no calls to the REST API during the checks" {
		t.Errorf("check 5 without calls: %+v", got)
	}
}
