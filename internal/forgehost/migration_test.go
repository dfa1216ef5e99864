package forgehost

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/connectgen/connectgen/internal/hostsim"
)

// connectApp is a minimal Bitbucket Connect app for the migration test:
// its descriptor names the Forge app in forgeAppId, and it takes the
// installed callback.
type connectApp struct {
	srv       *httptest.Server
	mu        sync.Mutex
	installed map[string]any
}

func startConnectApp(t *testing.T, key, forgeAppID string) *connectApp {
	t.Helper()
	a := &connectApp{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/atlassian-connect.json":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{
				"key": key, "name": "A Quick Addon", "baseUrl": a.srv.URL,
				"authentication": map[string]any{"type": "jwt"},
				"lifecycle":      map[string]any{"installed": "/installed"},
				"scopes":         []string{"account", "repository"},
				"contexts":       []string{"account"},
				"forgeAppId":     forgeAppID,
				"modules":        map[string]any{"webhooks": []any{map[string]any{"event": "repo:push", "url": "/webhook"}}},
			})
		case "/installed":
			var v map[string]any
			_ = json.NewDecoder(r.Body).Decode(&v) // the test reads what arrived
			a.mu.Lock()
			a.installed = v
			a.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// TestMigrationEndToEnd: the starter's data migration runs on the local
// host as it would on Forge: the install trigger asks Bitbucket (the REST
// stand-in, as the app) for the Connect installation's client key, reads
// the shared secret the Connect app saved from Forge secret storage,
// calls Bitbucket with Connect JWTs signed with it (fetch to
// api.bitbucket.org, declared in the manifest), and stores what it read.
func TestMigrationEndToEnd(t *testing.T) {
	files, _ := starterFiles(t, "atlassian-connect.json", templateDescriptor(t))
	dir := writeStarter(t, files, map[string]func(string) string{
		// As forge register does.
		"manifest.yml": func(s string) string {
			return strings.Replace(s, "ari:cloud:ecosystem::app/invalid-run-forge-register", testAppID, 1)
		},
	})
	app := startConnectApp(t, "a-quick-addon", testAppID)
	api, err := hostsim.New(hostsim.Options{AppURL: app.srv.URL, Product: hostsim.Bitbucket})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = api.Close() }() // nothing to report at the end
	inst, err := api.Install(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := startHost(t, dir, Options{API: api})
	if err := h.Store().SetSecret(h.InstallationID(), "connect-shared-secret:"+inst.ClientKey, inst.SharedSecret); err != nil {
		t.Fatal(err)
	}
	rep := SendEvent(context.Background(), h, EventInstalled)
	var text strings.Builder
	if err := rep.WriteText(&text, true); err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || !strings.Contains(text.String(), "migrated from Connect installation "+inst.ClientKey) {
		t.Fatalf("the migration did not run:\n%s", text.String())
	}
	values, _ := h.Store().Snapshot(h.InstallationID())
	var user struct {
		AccountID string `json:"account_id"`
	}
	if string(values["connect-client-key"]) != `"`+inst.ClientKey+`"` ||
		json.Unmarshal(values["connect:/2.0/user"], &user) != nil || user.AccountID != api.Sample().UserAccountID {
		t.Errorf("storage after the migration: %s", values)
	}
	// The stand-in saw the client-key request (as the Forge app) and the
	// Connect JWT call, both accepted.
	var clientKey, jwtCall bool
	for _, c := range api.Calls() {
		switch {
		case strings.Contains(c.Path, "/client-key") && c.OK:
			clientKey = true
		case c.Path == "/2.0/user" && c.OK:
			jwtCall = true
		}
	}
	if !clientKey || !jwtCall {
		t.Errorf("REST calls: %+v", api.Calls())
	}
	inv := h.History()[0]
	if len(inv.Fetches) != 1 || inv.Fetches[0].URL != "https://api.bitbucket.org/2.0/user" || inv.Fetches[0].Status != 200 {
		t.Errorf("fetches: %+v", inv.Fetches)
	}
}
