package hostcheck

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/connectgen/connectgen/internal/hostsim"
)

// condApp is a Jira or Confluence app that accepts every lifecycle event
// (this test is about the host, not the app's security) and records the
// webhooks it gets.
type condApp struct {
	url     string
	product hostsim.Product
	mu      sync.Mutex
	hooks   []string // request URIs of webhooks
}

func (a *condApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/atlassian-connect.json":
		page := func(key string, conds any) map[string]any {
			m := map[string]any{"key": key, "name": map[string]any{"value": key}, "url": "/" + key, "location": "system.top.navigation.bar"}
			if conds != nil {
				m["conditions"] = conds
			}
			return m
		}
		d := map[string]any{
			"key": "cond-app", "name": "Cond App", "baseUrl": a.url,
			"authentication": map[string]any{"type": "jwt"},
			"lifecycle":      map[string]any{"installed": "/installed", "uninstalled": "/uninstalled"},
			"apiMigrations":  map[string]any{"signed-install": true},
			"scopes":         []any{"READ", "WRITE"},
			"modules": map[string]any{
				"generalPages": []any{
					page("always", nil),
					page("when-enabled", []any{map[string]any{"condition": "entity_property_exists", "params": map[string]any{"entity": "addon", "propertyKey": "enabled"}}}),
					page("when-not-enabled", []any{map[string]any{"condition": "entity_property_exists", "invert": true, "params": map[string]any{"entity": "addon", "propertyKey": "enabled"}}}),
				},
				"webhooks": []any{
					map[string]any{"event": "jira:issue_updated", "url": "/hook?issue={issue.key}&project={project.key}"},
					map[string]any{"event": "page_updated", "url": "/hook/{page.id}?space={space.key}"},
				},
			},
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(d) // a test server; the host reports a short body
	case "/installed", "/uninstalled":
		w.WriteHeader(http.StatusNoContent)
	default:
		if strings.HasPrefix(r.URL.Path, "/hook") {
			a.mu.Lock()
			a.hooks = append(a.hooks, r.URL.RequestURI())
			a.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.NotFound(w, r)
	}
}

func installCondApp(t *testing.T, product hostsim.Product) (*condApp, *hostsim.Host) {
	t.Helper()
	a := &condApp{product: product}
	a.url = serveLoopback(t, a)
	h := newHost(t, a.url, func(o *hostsim.Options) { o.Product = product })
	if _, err := h.Install(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, h
}

func shown(t *testing.T, h *hostsim.Host) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, m := range h.Modules() {
		ok, why := h.Visibility(m)
		out[m.Key] = ok
		if !ok && (len(why) == 0 || !strings.Contains(why[0], "entity_property_exists")) {
			t.Errorf("%s hidden without naming its condition: %q", m.Key, why)
		}
	}
	return out
}

// TestJiraConditionsPropertiesAndWebhookURLs: a page whose condition reads
// an app property is hidden until the app sets it through the REST API
// (v3 or v2), and Jira's webhook URL variables are filled.
func TestJiraConditionsPropertiesAndWebhookURLs(t *testing.T) {
	a, h := installCondApp(t, hostsim.Jira)
	ctx := context.Background()
	if got := shown(t, h); !got["always"] || got["when-enabled"] || !got["when-not-enabled"] {
		t.Errorf("before the property: %v", got)
	}
	r, err := h.Request(ctx, "PUT", "/rest/atlassian-connect/1/addons/cond-app/properties/enabled", "application/json", []byte(`true`))
	if err != nil || r.Status != 201 {
		t.Fatalf("PUT the app property: %d %s %v", r.Status, r.Body, err)
	}
	if got := shown(t, h); !got["always"] || !got["when-enabled"] || got["when-not-enabled"] {
		t.Errorf("after the property: %v", got)
	}
	for path, want := range map[string]int{
		"/rest/api/2/myself":                                           200,
		"/rest/api/2/issue/SAMP-1":                                     200,
		"/rest/api/3/issue/SAMP-1/properties":                          200,
		"/rest/api/2/issue/SAMP-1/properties/nope":                     404,
		"/rest/atlassian-connect/1/addons/cond-app/properties/enabled": 200,
	} {
		if r, err := h.Request(ctx, "GET", path, "", nil); err != nil || r.Status != want {
			t.Errorf("GET %s: %d %s %v; want %d", path, r.Status, r.Body, err, want)
		}
	}
	if r, _ := h.Request(ctx, "PUT", "/rest/api/2/issue/SAMP-1/properties/triage", "application/json", []byte(`{"level":1}`)); r.Status != 201 {
		t.Errorf("PUT an issue property over v2: %d %s", r.Status, r.Body)
	}
	if p := h.Properties(); string(p["issue 10001 triage"]) != `{"level":1}` || string(p["addon cond-app enabled"]) != "true" {
		t.Errorf("properties for the host page: %v", p)
	}
	if _, _, err := h.SendWebhook(ctx, "jira:issue_updated"); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.hooks) != 1 || a.hooks[0] != "/hook?issue=SAMP-1&project=SAMP" {
		t.Errorf("webhook URLs %q", a.hooks)
	}
}

func TestConfluenceContentPropertiesAndWebhookURLs(t *testing.T) {
	a, h := installCondApp(t, hostsim.Confluence)
	ctx := context.Background()
	r, err := h.Request(ctx, "POST", "/wiki/rest/api/content/98305/property", "application/json", []byte(`{"key":"reviewed","value":{"ok":true}}`))
	if err != nil || r.Status != 200 {
		t.Fatalf("POST a content property: %d %s %v", r.Status, r.Body, err)
	}
	if r, _ := h.Request(ctx, "GET", "/wiki/rest/api/content/98305/property/reviewed", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"ok":true`) {
		t.Errorf("GET it back: %d %s", r.Status, r.Body)
	}
	if _, _, err := h.SendWebhook(ctx, "page_updated"); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.hooks) != 1 || a.hooks[0] != "/hook/98305?space=SAMP" {
		t.Errorf("webhook URLs %q", a.hooks)
	}
}

// TestChecksSkipHiddenPages: the page check does not load a page the
// product would hide, and says so.
func TestChecksSkipHiddenPages(t *testing.T) {
	_, h := installCondApp(t, hostsim.Jira)
	d := h.Descriptor()
	pages, notes := h.Pages(d)
	keys := map[string]bool{}
	for _, p := range pages {
		keys[p.Key] = true
	}
	if keys["when-enabled"] || !keys["always"] || !keys["when-not-enabled"] {
		t.Errorf("pages loaded: %v", keys)
	}
	found := false
	for _, n := range notes {
		found = found || strings.Contains(n, "when-enabled: hidden by its conditions (entity_property_exists")
	}
	if !found {
		t.Errorf("notes %q", notes)
	}
}
