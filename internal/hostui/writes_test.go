package hostui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/bbworld"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// tinyApp is a Connect app that accepts its lifecycle events and has one
// page per product kind given; it is enough for the host page's tests.
func tinyApp(t *testing.T, descriptor map[string]any) string {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/atlassian-connect.json":
			descriptor["baseUrl"] = srv.URL
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(descriptor) // a test server
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func realHost(t *testing.T, appURL string, product hostsim.Product) *hostsim.Host {
	t.Helper()
	h, err := hostsim.New(hostsim.Options{AppURL: appURL, Timeout: 5 * time.Second, Product: product})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() }) // the test is over
	if _, err := h.Install(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestHostPageShowsWrites: what the app wrote to the local Bitbucket (a
// commit status, a report with an annotation, a pull request comment, an
// app property) is listed on the host page.
func TestHostPageShowsWrites(t *testing.T) {
	app := tinyApp(t, map[string]any{
		"key": "tiny-app", "name": "Tiny", "authentication": map[string]any{"type": "jwt"},
		"lifecycle": map[string]any{"installed": "/installed", "uninstalled": "/uninstalled"},
		"scopes":    []any{"account", "pullrequest:write"}, "contexts": []any{"account"},
		"modules": map[string]any{"repoPages": []any{map[string]any{"key": "p", "name": map[string]any{"value": "P"}, "url": "/p", "location": "org.bitbucket.repository.navigation"}}},
	})
	h := realHost(t, app, hostsim.Bitbucket)
	ctx := context.Background()
	r, _ := h.World().Repo(bbworld.RepoSlug)
	head := r.Commits[0].Hash
	base := "/2.0/repositories/" + bbworld.WorkspaceSlug + "/" + bbworld.RepoSlug
	for _, c := range []struct{ method, path, body string }{
		{"POST", base + "/commit/" + head + "/statuses/build", `{"key":"tiny-ci","state":"FAILED","name":"Tiny CI","url":"https://ci.example/1"}`},
		{"PUT", base + "/commit/" + head + "/reports/tiny-scan", `{"title":"Tiny scan","details":"1 finding","report_type":"SECURITY","result":"FAILED"}`},
		{"POST", base + "/commit/" + head + "/reports/tiny-scan/annotations", `[{"external_id":"a1","annotation_type":"VULNERABILITY","summary":"Hard-coded secret","path":"main.go","line":2}]`},
		{"POST", base + "/pullrequests/1/comments", `{"content":{"raw":"Tiny says hello"}}`},
		{"PUT", base + "/properties/tiny-app/settings", `{"enabled": true}`},
	} {
		res, err := h.Request(ctx, c.method, c.path, "application/json", []byte(c.body))
		if err != nil || res.Status >= 300 {
			t.Fatalf("%s %s: %d %s %v", c.method, c.path, res.Status, res.Body, err)
		}
	}
	w := do(t, Handler(HostBackend(h)), "GET", "/", "127.0.0.1:8000", nil, "")
	body := w.Body.String()
	for _, want := range []string{"What the app wrote", "tiny-ci", "FAILED Tiny CI", "SECURITY FAILED: Tiny scan", "Hard-coded secret", "Tiny says hello", `{&#34;enabled&#34;:true}`} {
		if !strings.Contains(body, want) {
			t.Errorf("the host page does not show %q", want)
		}
	}
}

// TestHiddenModuleNotOpened: a Jira page whose condition is false is
// reported hidden, naming the condition, and not framed; once the app
// sets the property it is opened.
func TestHiddenModuleNotOpened(t *testing.T) {
	app := tinyApp(t, map[string]any{
		"key": "tiny-jira", "name": "Tiny", "authentication": map[string]any{"type": "jwt"},
		"lifecycle":     map[string]any{"installed": "/installed", "uninstalled": "/uninstalled"},
		"apiMigrations": map[string]any{"signed-install": true}, "scopes": []any{"READ", "WRITE"},
		"modules": map[string]any{"generalPages": []any{map[string]any{
			"key": "gated", "name": map[string]any{"value": "Gated"}, "url": "/gated", "location": "system.top.navigation.bar",
			"conditions": []any{map[string]any{"condition": "entity_property_equal_to", "params": map[string]any{"entity": "addon", "propertyKey": "plan", "objectName": "tier", "value": "\"pro\""}}},
		}}},
	})
	h := realHost(t, app, hostsim.Jira)
	hd := Handler(HostBackend(h))
	if body := do(t, hd, "GET", "/", "127.0.0.1:8000", nil, "").Body.String(); !strings.Contains(body, `data-hidden="true">hidden now: entity_property_equal_to`) {
		t.Errorf("the host page does not mark the hidden module:\n%s", body)
	}
	w := do(t, hd, "GET", "/module/generalPage/gated", "127.0.0.1:8000", nil, "")
	if body := w.Body.String(); strings.Contains(body, "<iframe") || !strings.Contains(body, "Jira would not show this module now") || !strings.Contains(body, "entity_property_equal_to") {
		t.Errorf("hidden page: %d %s", w.Code, body)
	}
	if res, err := h.Request(context.Background(), "PUT", "/rest/atlassian-connect/1/addons/tiny-jira/properties/plan", "application/json", []byte(`{"tier":"pro"}`)); err != nil || res.Status != 201 {
		t.Fatalf("PUT plan: %d %s %v", res.Status, res.Body, err)
	}
	w = do(t, hd, "GET", "/module/generalPage/gated", "127.0.0.1:8000", nil, "")
	if !strings.Contains(w.Body.String(), "<iframe") {
		t.Errorf("the page is not opened once its condition holds: %s", w.Body)
	}
	if body := do(t, hd, "GET", "/", "127.0.0.1:8000", nil, "").Body.String(); !strings.Contains(body, "addon tiny-jira plan") {
		t.Error("the host page does not list the app property")
	}
}
