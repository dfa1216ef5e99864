package apptest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/testenv"
)

// TestProductAppsEndToEnd runs each generated Jira, Confluence and Jira
// Service Management app on real Node (20, 22 and 24 where present) with
// real atlassian-connect-express, and plays the product from Go: an install
// signed with RS256 by this test, whose public key the app fetches from
// this test's key server through CONNECT_KEYS_CDN_URL; unsigned and HS256
// installs refused; the Hello World page with an HS256 page token (qsh)
// whose server code calls a stand-in REST API that accepts only the app's
// own token (aud the client key); the context-token route; a signed
// uninstall, after which the page is refused.
func TestProductAppsEndToEnd(t *testing.T) {
	eachNodeAndTemplate(t, productEndToEnd)
}

// eachNodeAndTemplate runs fn for every product template on every Node
// version the apps must work on (testenv.Nodes: the machine's and the
// pinned ones; a missing one fails with how to fetch it).
func eachNodeAndTemplate(t *testing.T, fn func(t *testing.T, node testenv.Node, tmpl string)) {
	for _, node := range testenv.Nodes(t) {
		for _, tmpl := range ProductTemplates {
			t.Run(node.Name()+"/"+tmpl, func(t *testing.T) { fn(t, node, tmpl) })
		}
	}
}

// TestProductAppsOwnTests runs each generated app's own npm test (which
// plays the product in-process) on every Node version present.
func TestProductAppsOwnTests(t *testing.T) {
	eachNodeAndTemplate(t, func(t *testing.T, node testenv.Node, tmpl string) {
		dir := filepath.Join(t.TempDir(), "a-quick-addon")
		if err := NewTemplateProject(dir, tmpl, node); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("npm", "test")
		cmd.Dir = dir
		cmd.Env = node.Env(nil)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("npm test: %v\n%s", err, lastLines(out, 60))
		}
		// Node 20 prints TAP ("# pass 24"), 22 and 24 a tree ("ℹ pass 24"):
		// the app's 18 tests and the 6 of lib/.
		if !bytes.Contains(out, []byte("pass 24")) || !bytes.Contains(out, []byte("fail 0")) {
			t.Errorf("npm test did not run the 24 tests:\n%s", lastLines(out, 30))
		}
	})
}

// fakeProduct is the product as far as the app meets it: Atlassian's key
// server and the product's REST API.
type fakeProduct struct {
	t          *testing.T
	url        string // http://127.0.0.1:PORT
	contextDir string // "/wiki" for Confluence, "" for Jira
	appKey     string
	clientKey  string
	secret     string
	key        *rsa.PrivateKey
	kid        string

	mu    sync.Mutex
	calls []string // "GET /rest/api/3/myself ok"
}

func newFakeProduct(t *testing.T, appKey, contextDir string) *fakeProduct {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // the test checks what follows, not this call
	p := &fakeProduct{t: t, contextDir: contextDir, appKey: appKey, clientKey: fmt.Sprintf("client-%x", secret[:6]),
		secret: hex.EncodeToString(secret), key: key, kid: fmt.Sprintf("kid-%x", secret[6:10])}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends when the test closes it
	t.Cleanup(func() { srv.Close() })
	p.url = "http://" + ln.Addr().String()
	return p
}

func (p *fakeProduct) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/keys/"); ok {
		if rest != p.kid {
			http.NotFound(w, r)
			return
		}
		der, err := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_ = pem.Encode(w, &pem.Block{Type: "PUBLIC KEY", Bytes: der}) // the app's failure to read it is what the test sees
		return
	}
	// The REST API: only the app's own token, for this very request.
	verdict := "ok"
	path := strings.TrimPrefix(r.URL.RequestURI(), p.contextDir)
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "JWT ")
	c, err := connectjwt.Verify(tok, p.secret, &connectjwt.Request{Method: r.Method, URL: path}, time.Now())
	switch {
	case err != nil:
		verdict = err.Error()
	case c.Issuer != p.appKey:
		verdict = "iss " + c.Issuer
	case len(c.Audience) == 0 || c.Audience[0] != p.clientKey:
		verdict = fmt.Sprintf("aud %v", c.Audience)
	}
	p.mu.Lock()
	p.calls = append(p.calls, r.Method+" "+r.URL.RequestURI()+" "+verdict)
	p.mu.Unlock()
	if verdict != "ok" {
		http.Error(w, verdict, http.StatusUnauthorized)
		return
	}
	user := p.contextDir + "/rest/api/user/current"
	if p.contextDir == "" {
		user = "/rest/api/3/myself"
	}
	if r.Method != "GET" || r.URL.Path != user {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"accountId":"5b10ac8d82e05b22cc7d4ef5","displayName":"Grace Hopper","accountType":"atlassian"}`) // the test checks what follows, not this call
}

func (p *fakeProduct) lastCall() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		return ""
	}
	return p.calls[len(p.calls)-1]
}

// lifecycleToken signs a lifecycle request as Atlassian does: RS256, kid
// in the header, aud the app's base URL, iss the client key.
func (p *fakeProduct) lifecycleToken(method, path, appBase string, key *rsa.PrivateKey) string {
	c, err := connectjwt.NewClaims(p.clientKey, "", method, path, "", time.Now(), 3*time.Minute)
	if err != nil {
		p.t.Fatal(err)
	}
	c.Audience = connectjwt.Audience{appBase}
	tok, err := connectjwt.SignRS256(key, p.kid, c)
	if err != nil {
		p.t.Fatal(err)
	}
	return tok
}

// pageToken signs a request to the app as the product does for an iframe:
// HS256 with the installation's secret, qsh over the request.
func (p *fakeProduct) pageToken(method, rawURL, qsh string) string {
	c, err := connectjwt.NewClaims(p.clientKey, "5b10ac8d82e05b22cc7d4ef5", method, rawURL, "", time.Now(), 3*time.Minute)
	if err != nil {
		p.t.Fatal(err)
	}
	if qsh != "" {
		c.QSH = qsh
	}
	c.Context = map[string]any{"user": map[string]any{"accountId": "5b10ac8d82e05b22cc7d4ef5"}}
	tok, err := connectjwt.Sign(p.secret, c)
	if err != nil {
		p.t.Fatal(err)
	}
	return tok
}

func productEndToEnd(t *testing.T, node testenv.Node, tmpl string) {
	dir := filepath.Join(t.TempDir(), "a-quick-addon")
	if err := NewTemplateProject(dir, tmpl, node); err != nil {
		t.Fatal(err)
	}
	contextDir := ""
	if tmpl == "confluence" {
		contextDir = "/wiki"
	}
	p := newFakeProduct(t, Values.Key, contextDir)
	// The app advertises its local URL as baseUrl; the install's aud must
	// be that.
	appBase := StartAppOn(t, node, dir, "CONNECT_KEYS_CDN_URL="+p.url+"/keys").URL
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path, auth string, body any) (int, string) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, appBase+path, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if auth != "" {
			req.Header.Set("Authorization", "JWT "+auth)
		}
		req.Header.Set("Accept", "text/html")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	payload := map[string]any{
		"key": Values.Key, "clientKey": p.clientKey, "sharedSecret": p.secret,
		"baseUrl": p.url + contextDir, "displayUrl": p.url + contextDir,
		"productType": map[bool]string{true: "confluence", false: "jira"}[contextDir != ""],
		"eventType":   "installed", "description": "a test site",
	}

	// Refused installs: unsigned, HS256, RS256 with another key.
	if code, body := do("POST", "/installed", "", payload); code != 401 {
		t.Errorf("unsigned install: %d %s", code, body)
	}
	hs := p.pageToken("POST", "/installed", "")
	if code, body := do("POST", "/installed", hs, payload); code != 401 {
		t.Errorf("HS256 install: %d %s", code, body)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	if code, body := do("POST", "/installed", p.lifecycleToken("POST", "/installed", appBase, other), payload); code != 400 && code != 401 {
		t.Errorf("install signed with another key: %d %s", code, body)
	}
	if code, body := do("POST", "/installed", p.lifecycleToken("POST", "/installed", "https://other.example", p.key), payload); code != 401 {
		t.Errorf("install for another app (aud): %d %s", code, body)
	}

	// The signed install.
	if code, body := do("POST", "/installed", p.lifecycleToken("POST", "/installed", appBase, p.key), payload); code != 204 {
		t.Fatalf("signed install: %d %s", code, body)
	}

	// The Hello World page with a page token over the exact URL.
	q := url.Values{"xdm_e": {p.url}, "cp": {contextDir}, "lic": {"none"}}
	page := "/hello-world?" + q.Encode()
	code, body := do("GET", page+"&jwt="+p.pageToken("GET", page, ""), "", nil)
	if code != 200 || !strings.Contains(body, `id="server-display-name">Grace Hopper<`) {
		t.Errorf("Hello World page: %d\n%s", code, body)
	}
	wantCall := "GET /rest/api/3/myself ok"
	if contextDir != "" {
		wantCall = "GET /wiki/rest/api/user/current ok"
	}
	if got := p.lastCall(); got != wantCall {
		t.Errorf("the REST API saw %q, want %q", got, wantCall)
	}
	if code, _ := do("GET", "/hello-world?jwt="+p.pageToken("GET", "/elsewhere", ""), "", nil); code != 401 {
		t.Errorf("page token for another URL: %d", code)
	}

	// The context-token route: a token with the fixed qsh "context-qsh".
	code, body = do("GET", "/api/context", p.pageToken("GET", "/api/context", "context-qsh"), nil)
	var ctx struct {
		ClientKey string `json:"clientKey"`
		AccountID string `json:"accountId"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &ctx) != nil || ctx.ClientKey != p.clientKey || ctx.AccountID != "5b10ac8d82e05b22cc7d4ef5" {
		t.Errorf("context-token route: %d %s", code, body)
	}
	if code, _ := do("GET", "/api/context", "", nil); code != 401 {
		t.Errorf("context-token route without a token: %d", code)
	}

	// Uninstall: unsigned refused, signed accepted, then the page refused.
	payload["eventType"] = "uninstalled"
	if code, body := do("POST", "/uninstalled", "", payload); code != 401 {
		t.Errorf("unsigned uninstall: %d %s", code, body)
	}
	if code, body := do("POST", "/uninstalled", p.lifecycleToken("POST", "/uninstalled", appBase, p.key), payload); code != 204 {
		t.Errorf("signed uninstall: %d %s", code, body)
	}
	if code, _ := do("GET", page+"&jwt="+p.pageToken("GET", page, ""), "", nil); code != 401 {
		t.Errorf("page after uninstall: %d", code)
	}
}
