package hostui

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0", "nonsense"} {
		if ln, err := Listen(addr); err == nil {
			ln.Close()
			t.Errorf("Listen(%q) succeeded", addr)
		}
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if !strings.HasPrefix(URL(ln), "http://127.0.0.1:") {
		t.Errorf("URL = %s", URL(ln))
	}
}

func TestServeStopsWithContext(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, &fakeBackend{appURL: "http://127.0.0.1:3000", installed: true}) }()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(URL(ln) + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `data-key="example-repo-page"`) {
		t.Errorf("index page lacks the repo page entry")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v after the context ended", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the context ended")
	}
	if _, err := client.Get(URL(ln) + "/"); err == nil {
		t.Errorf("the server still answers after Serve returned")
	}
}

func TestCheckHostScript(t *testing.T) {
	const script = "http://127.0.0.1:3939/atlassian-connect/all.js"
	pages := map[string]string{
		"/ours":   `<head><script src="` + script + `"></script><script src="/js/addon.js"></script>`,
		"/theirs": `<head><script src="https://bitbucket.org/atlassian-connect/all.js"></script>`,
		"/none":   `<p>no scripts</p>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Path]
		if !ok {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, p) // the test checks what follows, not this call
	}))
	defer srv.Close()
	ctx := context.Background()
	if err := CheckHostScript(ctx, srv.Client(), srv.URL+"/ours?jwt=x", script); err != nil {
		t.Errorf("ours: %v", err)
	}
	for path, want := range map[string]string{
		"/theirs":  "loads https://bitbucket.org/atlassian-connect/all.js instead of " + script,
		"/none":    "loads no host script",
		"/missing": "answered 401",
	} {
		err := CheckHostScript(ctx, srv.Client(), srv.URL+path, script)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
}
