package hostui

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func do(t *testing.T, h http.Handler, method, target, host string, header map[string]string, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Host = host
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var ownPage = map[string]string{"Content-Type": "application/json", "X-Connectgen-Host": "1", "Origin": "http://127.0.0.1:8000"}

func TestHandlerRefusesOtherHosts(t *testing.T) {
	h := Handler(&fakeBackend{appURL: "http://127.0.0.1:3000", installed: true})
	for _, host := range []string{"evil.example", "evil.example:8000", "192.168.1.2:8000", "127.0.0.1.evil.example"} {
		if w := do(t, h, "GET", "/", host, nil, ""); w.Code != http.StatusMisdirectedRequest {
			t.Errorf("Host %s: status %d, want 421", host, w.Code)
		}
	}
	for _, host := range []string{"127.0.0.1:8000", "localhost:8000", "[::1]:8000"} {
		if w := do(t, h, "GET", "/", host, nil, ""); w.Code != http.StatusOK {
			t.Errorf("Host %s: status %d, want 200", host, w.Code)
		}
	}
}

func TestAPIEndpointsOnlyFromOwnPages(t *testing.T) {
	fb := &fakeBackend{appURL: "http://127.0.0.1:3000", installed: true}
	h := Handler(fb)
	body := `{"event":"repo:push"}`
	cases := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no custom header", map[string]string{"Content-Type": "application/json"}, http.StatusForbidden},
		{"other origin", map[string]string{"Content-Type": "application/json", "X-Connectgen-Host": "1", "Origin": "http://127.0.0.1:3000"}, http.StatusForbidden},
		{"form post", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Connectgen-Host": "1"}, http.StatusUnsupportedMediaType},
		{"own page", ownPage, http.StatusOK},
	}
	for _, c := range cases {
		w := do(t, h, "POST", "/api/webhook", "127.0.0.1:8000", c.header, body)
		if w.Code != c.want {
			t.Errorf("%s: status %d, want %d (%s)", c.name, w.Code, c.want, w.Body)
		}
	}
	if len(fb.webhooks) != 1 {
		t.Errorf("webhooks sent = %v, want exactly the one from the host's own page", fb.webhooks)
	}
	if w := do(t, h, "GET", "/api/webhook", "127.0.0.1:8000", ownPage, ""); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/webhook: status %d", w.Code)
	}
	w := do(t, h, "POST", "/api/webhook", "127.0.0.1:8000", ownPage, `{"event":"issue:created"}`)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "not subscribed") {
		t.Errorf("unsubscribed event: %d %s", w.Code, w.Body)
	}
}

func TestAPIRequestPaths(t *testing.T) {
	fb := &fakeBackend{appURL: "http://127.0.0.1:3000"}
	h := Handler(fb)
	bad := []string{"", "2.0/user", "//evil.example/2.0/user", "http://evil.example/2.0/user", "/\\evil", "/2.0/user\r\nX: y"}
	for _, u := range bad {
		b, _ := json.Marshal(map[string]string{"url": u})
		w := do(t, h, "POST", "/api/request", "127.0.0.1:8000", ownPage, string(b))
		var rep requestReply
		if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Error == "" || rep.Status != 0 {
			t.Errorf("url %q: reply %+v, want a refusal", u, rep)
		}
	}
	w := do(t, h, "POST", "/api/request", "127.0.0.1:8000", ownPage, `{"method":"TRACE","url":"/2.0/user"}`)
	if !strings.Contains(w.Body.String(), "not supported") {
		t.Errorf("TRACE: %s", w.Body)
	}
	if len(fb.requests) != 0 {
		t.Errorf("refused requests reached the backend: %v", fb.requests)
	}
	w = do(t, h, "POST", "/api/request", "127.0.0.1:8000", ownPage, `{"url":"/2.0/user"}`)
	var rep requestReply
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Status != 200 || rep.Body != `{"display_name":"Fake <User>"}` || rep.ContentType != "application/json" {
		t.Errorf("GET /2.0/user: %+v", rep)
	}
	if len(fb.requests) != 1 || fb.requests[0].Method != "GET" || fb.requests[0].Body != nil {
		t.Errorf("backend got %+v", fb.requests)
	}
}

func TestModuleView(t *testing.T) {
	h := Handler(&fakeBackend{appURL: "http://127.0.0.1:3000", installed: true})
	w := do(t, h, "GET", "/module/repoPage/example-repo-page", "127.0.0.1:8000", nil, "")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	body := w.Body.String()
	if !strings.Contains(body, `src="http://127.0.0.1:3000/page?repoPath=sample-workspace%2Fsample-repo&amp;jwt=fake-token-for-example-repo-page"`) {
		t.Errorf("no signed frame URL in:\n%s", body)
	}
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-src http://127.0.0.1:3000;") || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	if !strings.Contains(body, `data-app-origin="http://127.0.0.1:3000"`) {
		t.Errorf("no app origin for host.js")
	}

	if w := do(t, h, "GET", "/module/repoPage/nope", "127.0.0.1:8000", nil, ""); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `no Repository page with the key &#34;nope&#34;`) {
		t.Errorf("unknown module: %d %s", w.Code, w.Body)
	}

	// An app that is not on loopback is not framed: the host promises that
	// nothing leaves this machine.
	h = Handler(&fakeBackend{appURL: "https://app.example.com", installed: true})
	w = do(t, h, "GET", "/module/repoPage/example-repo-page", "127.0.0.1:8000", nil, "")
	if w.Code != http.StatusBadGateway || strings.Contains(w.Body.String(), "<iframe") || !strings.Contains(w.Body.String(), "only apps on loopback") {
		t.Errorf("remote app: %d %s", w.Code, w.Body)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'none'") {
		t.Errorf("remote app CSP = %q", csp)
	}
}

func TestHostScriptServed(t *testing.T) {
	h := Handler(&fakeBackend{appURL: "http://127.0.0.1:3000"})
	w := do(t, h, "GET", HostScriptPath, "127.0.0.1:8000", nil, "")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("all.js: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	js, _ := io.ReadAll(w.Body)
	for _, want := range []string{"window.AP", "postMessage(msg, hostOrigin)", "is not supported by the local Bitbucket host"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("all.js lacks %q", want)
		}
	}
	// Nothing the browser loads names another host.
	for _, name := range []string{"ui/all.js", "ui/host.js", "ui/host.css", "ui/layout.html.tmpl", "ui/index.html.tmpl", "ui/module.html.tmpl"} {
		b, err := uiFS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"http://", "https://", "//cdn", "@import"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
}
