package forge

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/hostui"
)

const (
	e2eForgeAppID = "ari:cloud:ecosystem::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d"
	e2eForgeLink  = "https://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=AYABeQ&product=bitbucket"
)

// linkedConnectApp is a Connect app that only installs: it serves a
// descriptor linked to a Forge app (forgeAppLink, forgeAppId) and accepts
// the lifecycle callbacks.
func linkedConnectApp(t *testing.T) string {
	t.Helper()
	return serveConnectApp(t, func(base string) map[string]any {
		return map[string]any{
			"key": "migrating-app", "name": "Migrating App", "description": "A Connect app moving to Forge",
			"baseUrl": base, "authentication": map[string]any{"type": "jwt"},
			"lifecycle":    map[string]any{"installed": "/installed", "uninstalled": "/uninstalled"},
			"scopes":       []string{"account", "repository"},
			"forgeAppLink": e2eForgeLink, "forgeAppId": e2eForgeAppID,
			"modules": map[string]any{"repoPages": []any{map[string]any{"key": "page", "name": map[string]any{"value": "Page"}, "url": "/page", "location": "org.bitbucket.repository.navigation"}}},
		}
	})
}

// serveConnectApp serves the descriptor desc makes for the server's own
// URL and accepts the lifecycle callbacks with 204.
func serveConnectApp(t *testing.T, desc func(base string) map[string]any) string {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/atlassian-connect.json":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(desc(srv.URL)) // a failed write shows as the host's error
		case "/installed", "/uninstalled":
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestMigrationHelperAgainstLocalHost runs the generated data-migration
// helper with node against the local Bitbucket host: it gets the client
// key from the client-key endpoint as the linked Forge app, then reads
// the API as the Connect installation with JWTs the host verifies.
func TestMigrationHelperAgainstLocalHost(t *testing.T) {
	needTool(t, "running the generated data-migration helper against the local host", "node")
	h, err := hostsim.New(hostsim.Options{AppURL: linkedConnectApp(t), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() }) // the host's listener; nothing to check
	ctx := context.Background()
	if _, err := h.FetchDescriptor(ctx); err != nil {
		t.Fatal(err)
	}
	inst, err := h.Install(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := hostui.HostBackend(h).App().ForgeAppLink; got != e2eForgeLink {
		t.Errorf("the host page's Forge link is %q, want %q", got, e2eForgeLink)
	}
	dir := starterModule(t, "connect-jwt.js", "connect-data.js")
	script, _ := filepath.Abs("testdata/run-migration.mjs")
	paths := []string{"/2.0/user", "/2.0/repositories/sample-workspace/sample-repo?fields=full_name,uuid&pagelen=1"}
	run := func(secret, forgeApp string) ([]byte, string, error) {
		cmd := exec.Command("node", script, filepath.Join(dir, "connect-data.js"))
		pj, _ := json.Marshal(paths)
		cmd.Env = append(os.Environ(),
			"MIGRATION_API_URL="+h.APIURL(), "MIGRATION_FORGE_HEADER="+hostsim.ForgeAppHeader, "MIGRATION_FORGE_APP_ID="+forgeApp,
			"MIGRATION_APP_KEY=migrating-app", "MIGRATION_CLIENT_KEY="+inst.ClientKey, "MIGRATION_SECRET="+secret, "MIGRATION_PATHS="+string(pj))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		return out, stderr.String(), err
	}
	out, stderr, err := run(inst.SharedSecret, e2eForgeAppID)
	if err != nil {
		t.Fatalf("migration: %v\n%s", err, stderr)
	}
	var res struct {
		ClientKey string
		Data      map[string]map[string]any
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if res.ClientKey != inst.ClientKey {
		t.Errorf("client key %q, want %q", res.ClientKey, inst.ClientKey)
	}
	if res.Data[paths[0]]["display_name"] != h.Sample().UserName || res.Data[paths[1]]["full_name"] != h.Sample().Repository {
		t.Errorf("data read as the Connect app: %v", res.Data)
	}
	var verified int
	for _, c := range h.Calls() {
		if c.OK && c.Status == 200 && (c.Path == paths[0] || c.Path == paths[1]) {
			verified++
		}
	}
	if verified != 2 {
		t.Errorf("the host verified %d of the helper's 2 signed calls: %+v", verified, h.Calls())
	}

	// A wrong shared secret: the host refuses the token.
	if _, stderr, err := run(strings.Repeat("x", 64), e2eForgeAppID); err == nil || !strings.Contains(stderr, "401") {
		t.Errorf("wrong secret: err %v, stderr %s", err, stderr)
	}
	// Another Forge app: no linked installation.
	other := "ari:cloud:ecosystem::app/11111111-2222-4333-8444-555555555555"
	if _, stderr, err := run(inst.SharedSecret, other); err == nil || !strings.Contains(stderr, fmt.Sprintf("no Connect installation of %s is linked", "migrating-app")) {
		t.Errorf("other Forge app: err %v, stderr %s", err, stderr)
	}
}
