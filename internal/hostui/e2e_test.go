package hostui

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/connectjwt"
)

// testHost is a minimal Bitbucket for the generated app: it installs the
// app, signs its page URLs and webhooks, and serves GET /2.0/user only to
// the app's own correctly signed calls. It stands in for internal/hostsim
// until that package can be used as the Backend here.
type testHost struct {
	t      *testing.T
	appURL string
	api    *httptest.Server
	client *http.Client

	mu        sync.Mutex
	secret    string
	installed bool
	apiCalls  []string
}

const (
	testClientKey = "connection:4242"
	testUserUUID  = "{6a8b1ee2-0000-4000-8000-000000000001}"
	testUserName  = "Sample <User> & Co"
)

func newTestHost(t *testing.T, appURL string) *testHost {
	h := &testHost{t: t, appURL: appURL, client: &http.Client{Timeout: 20 * time.Second}}
	h.api = httptest.NewServer(http.HandlerFunc(h.serveAPI))
	t.Cleanup(h.api.Close)
	return h
}

// serveAPI is the REST API: the app's calls must carry its app token.
func (h *testHost) serveAPI(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	secret := h.secret
	h.mu.Unlock()
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "JWT ")
	c, err := connectjwt.Verify(token, secret, &connectjwt.Request{Method: r.Method, URL: r.URL.RequestURI()}, time.Now())
	if err == nil && (c.Issuer != apptest.Values.Key || c.Subject != testClientKey) {
		err = fmt.Errorf("token iss %q sub %q", c.Issuer, c.Subject)
	}
	h.mu.Lock()
	h.apiCalls = append(h.apiCalls, fmt.Sprintf("%s %s %v", r.Method, r.URL.RequestURI(), err))
	h.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/2.0/user" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"uuid": testUserUUID, "display_name": testUserName, "type": "user"})
}

func (h *testHost) App() AppInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	return AppInfo{Name: apptest.Values.AppName, Key: apptest.Values.Key, BaseURL: h.appURL, ClientKey: testClientKey,
		Installed: h.installed, Workspace: "sample-workspace", Repository: "sample-workspace/sample-repo", User: testUserName}
}

func (h *testHost) descriptor() (map[string]json.RawMessage, error) {
	resp, err := h.client.Get(h.appURL + "/atlassian-connect.json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var d struct {
		Modules map[string]json.RawMessage `json:"modules"`
	}
	err = json.NewDecoder(resp.Body).Decode(&d)
	return d.Modules, err
}

func (h *testHost) Pages() []Page {
	mods, err := h.descriptor()
	if err != nil {
		h.t.Errorf("descriptor: %v", err)
		return nil
	}
	var pages []Page
	for list, kind := range map[string]string{"repoPages": KindRepoPage, "webPanels": KindWebPanel, "webItems": KindWebItem} {
		var ms []struct {
			Key, URL, Location string
			Name               struct{ Value string }
		}
		json.Unmarshal(mods[list], &ms)
		for _, m := range ms {
			pages = append(pages, Page{Kind: kind, Key: m.Key, Name: m.Name.Value, Location: m.Location, URL: m.URL})
		}
	}
	return pages
}

func (h *testHost) sign(method, rawURL string) string {
	h.mu.Lock()
	secret := h.secret
	h.mu.Unlock()
	c, err := connectjwt.NewClaims(testClientKey, testUserUUID, method, rawURL, h.appURL, time.Now(), 3*time.Minute)
	if err != nil {
		h.t.Fatal(err)
	}
	c.Audience = connectjwt.Audience{testClientKey}
	tok, err := connectjwt.Sign(secret, c)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

func (h *testHost) SignedURL(p Page) (string, error) {
	u := h.appURL + strings.ReplaceAll(p.URL, "{repository.full_name}", url.QueryEscape("sample-workspace/sample-repo"))
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "jwt=" + h.sign("GET", u), nil
}

func (h *testHost) Events() []string { return []string{"repo:push", "repo:fork"} }

func (h *testHost) post(ctx context.Context, path string, header http.Header, body any, signed bool) (int, string, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, "POST", h.appURL+path, bytes.NewReader(b))
	if err != nil {
		return 0, "", err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	if signed {
		req.Header.Set("Authorization", "JWT "+h.sign("POST", h.appURL+path))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(rb), nil
}

func (h *testHost) SendWebhook(ctx context.Context, event string) (WebhookResult, error) {
	status, body, err := h.post(ctx, "/webhook", http.Header{"X-Event-Key": {event}},
		map[string]any{"event": event, "data": map[string]any{"repository": map[string]any{"full_name": "sample-workspace/sample-repo"}}}, true)
	return WebhookResult{Status: status, Body: body}, err
}

// Request answers AP.request from the REST API, signed as the app would
// sign it: the stand-in for calling it with the installation's credentials.
func (h *testHost) Request(ctx context.Context, r APIRequest) (APIResponse, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, h.api.URL+r.Path, bytes.NewReader(r.Body))
	if err != nil {
		return APIResponse{}, err
	}
	h.mu.Lock()
	secret := h.secret
	h.mu.Unlock()
	c, err := connectjwt.NewClaims(apptest.Values.Key, testClientKey, r.Method, r.Path, "", time.Now(), 3*time.Minute)
	if err != nil {
		return APIResponse{}, err
	}
	tok, err := connectjwt.Sign(secret, c)
	if err != nil {
		return APIResponse{}, err
	}
	req.Header.Set("Authorization", "JWT "+tok)
	resp, err := h.client.Do(req)
	if err != nil {
		return APIResponse{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return APIResponse{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}, err
}

func (h *testHost) install(ctx context.Context, signed bool) error {
	h.mu.Lock()
	if h.secret == "" {
		b := make([]byte, 32)
		rand.Read(b)
		h.secret = hex.EncodeToString(b)
	}
	secret := h.secret
	h.mu.Unlock()
	payload := map[string]any{
		"key": apptest.Values.Key, "clientKey": testClientKey, "sharedSecret": secret, "publicKey": "none",
		"baseUrl": h.api.URL, "baseApiUrl": h.api.URL, "productType": "bitbucket", "eventType": "installed",
		"user":      map[string]any{"uuid": testUserUUID, "display_name": testUserName, "type": "user"},
		"principal": map[string]any{"uuid": "{sample-workspace}", "display_name": "sample-workspace", "type": "team"},
	}
	status, body, err := h.post(ctx, "/installed", nil, payload, signed)
	if err == nil && status/100 != 2 {
		err = fmt.Errorf("install: %d %s", status, body)
	}
	h.mu.Lock()
	h.installed = err == nil
	h.mu.Unlock()
	return err
}

func (h *testHost) Reinstall(ctx context.Context) error { return h.install(ctx, true) }

func (h *testHost) Uninstall(ctx context.Context) error {
	status, body, err := h.post(ctx, "/uninstalled", nil, map[string]any{"clientKey": testClientKey, "eventType": "uninstalled"}, true)
	if err == nil && status/100 != 2 {
		return fmt.Errorf("uninstall: %d %s", status, body)
	}
	if err == nil {
		h.mu.Lock()
		h.installed = false
		h.mu.Unlock()
	}
	return err
}

// TestGeneratedAppInBrowser is issue 7's "must show": the generated app,
// on real Node and ACE, inside the host page in headless Chromium.
func TestGeneratedAppInBrowser(t *testing.T) {
	// The browser first: its cleanup, which removes the temporary files,
	// then runs after the app (started later) has been stopped.
	b := newBrowser(t)
	dir := t.TempDir()
	if err := apptest.NewProject(dir); err != nil {
		t.Fatal(err)
	}
	// The host listens first, so the app can be started with its script URL.
	var backend Deferred
	host := httptest.NewServer(Handler(&backend))
	t.Cleanup(host.Close)
	appURL := apptest.StartApp(t, dir, "NODE_ENV=test", "AC_HOST_SCRIPT_URL="+host.URL+HostScriptPath)
	th := newTestHost(t, appURL)
	backend.Set(th)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := th.install(ctx, false); err != nil {
		t.Fatal(err)
	}

	b.Run(60*time.Second,
		chromedp.Navigate(host.URL+"/"),
		chromedp.WaitVisible(`.sidebar a[data-key="example-repo-page"]`, chromedp.ByQuery),
	)
	b.Screenshot("host-page")

	frame := openModule(b, "example-repo-page")
	if got := frameText(b, frame, "server-display-name"); got != testUserName {
		t.Errorf("server-side display name = %q, want %q", got, testUserName)
	}
	if got := frameText(b, frame, "client-display-name"); got != testUserName {
		t.Errorf("AP.request display name = %q, want %q", got, testUserName)
	}
	if got := frameText(b, frame, "repo-path"); got != "sample-workspace/sample-repo" {
		t.Errorf("repo path = %q", got)
	}
	b.Screenshot("repo-page")

	var status, text string
	b.Run(60*time.Second,
		chromedp.Click(`button[data-event="repo:push"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`output[data-webhook-result="repo:push"][data-status]`, chromedp.ByQuery),
		chromedp.AttributeValue(`output[data-webhook-result="repo:push"]`, "data-status", &status, nil, chromedp.ByQuery),
		chromedp.Text(`output[data-webhook-result="repo:push"]`, &text, chromedp.ByQuery),
	)
	if status != "204" || !strings.Contains(text, "204 No Content") {
		t.Errorf("repo:push answer = %q %q", status, text)
	}
	b.Screenshot("webhook-sent")

	th.mu.Lock()
	calls := append([]string(nil), th.apiCalls...)
	th.mu.Unlock()
	// One call from the app's server, one from AP.request; both signed.
	if len(calls) != 2 || calls[0] != "GET /2.0/user <nil>" || calls[1] != "GET /2.0/user <nil>" {
		t.Errorf("REST API calls = %q", calls)
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
