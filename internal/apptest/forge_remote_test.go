package apptest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/testenv"
)

const forgeAppID = "ari:cloud:ecosystem::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d"

// TestForgeRemoteEndToEnd runs the generated app as `npm start` does with
// FORGE_APP_ID set and FORGE_JWKS_URL at a JWKS this test serves on
// loopback: the local Bitbucket host installs it over Connect, then Forge
// Invocation Tokens signed here in Go (RS256) reach lib/forge-remote.js
// (jose) in the app's process. A UI call finds the Connect installation of
// its workspace; a token without signature, with another key or for
// another app is refused; the request log names the mounted path. Started
// again without FORGE_APP_ID, /forge answers 404 and the app says why.
func TestForgeRemoteEndToEnd(t *testing.T) {
	testenv.Need(t, "npm")
	dir, port := newProjectAndPort(t)

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const kid = "apptest-forge-1"
	jwksURL := serveJWKS(t, kid, &key.PublicKey)

	env := []string{"NODE_ENV=", "PORT=" + strconv.Itoa(port), "FORGE_APP_ID=" + forgeAppID, "FORGE_JWKS_URL=" + jwksURL}
	app := StartAppTB(t, dir, env...)
	if want := "Forge Remote is on at /forge for " + forgeAppID; !strings.Contains(app.Output(), want) {
		t.Errorf("the start does not say %q:\n%s", want, app.Output())
	}

	h, err := hostsim.New(hostsim.Options{AppURL: app.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.Close() }() // the host's listener; nothing to report at the end
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inst, err := h.Install(ctx)
	if err != nil {
		t.Fatalf("install: %v\n%s", err, app.Output())
	}
	workspace := installedWorkspace(t, dir, inst.ClientKey)

	claims := forgeClaims(workspace)

	if got := whoami(t, app, key, kid, claims); got != inst.ClientKey {
		t.Errorf("the UI call found Connect installation %q for workspace %s, want %s", got, workspace, inst.ClientKey)
	}

	otherApp := map[string]any{}
	for k, v := range claims {
		otherApp[k] = v
	}
	otherApp["aud"] = "ari:cloud:ecosystem::app/11111111-2222-4333-8444-555555555555"
	for _, c := range []struct{ name, token, reason string }{
		{"no token", "", "missing token"},
		{"alg none", b64JSON(map[string]any{"alg": "none", "kid": kid}) + "." + b64JSON(claims) + ".", "algorithm not allowed"},
		{"another key", signRS256(t, other, kid, claims), "bad signature"},
		{"another app", signRS256(t, key, kid, otherApp), "wrong audience"},
	} {
		status, body := postForge(t, app.URL+"/forge/events", c.token, `{"eventType":"avi:bitbucket:created:pullrequest"}`)
		if status != 401 || body != c.reason {
			t.Errorf("%s: %d %q, want 401 %q", c.name, status, body, c.reason)
		}
	}
	if !strings.Contains(app.Output(), "POST /forge/events 401") {
		t.Errorf("the request log does not name /forge/events:\n%s", app.Output())
	}
	if strings.Contains(app.Output(), "eyJ") {
		t.Errorf("the app printed a token:\n%s", app.Output())
	}
	app.Stop()

	off := StartAppTB(t, dir, "NODE_ENV=", "PORT="+strconv.Itoa(port))
	if status, body := postForge(t, off.URL+"/forge/ui", signRS256(t, key, kid, claims), `{}`); status != 404 || !strings.Contains(body, "FORGE_APP_ID is not set") {
		t.Errorf("without FORGE_APP_ID: %d %q, want 404 naming FORGE_APP_ID", status, body)
	}
	if !strings.Contains(off.Output(), "Forge Remote is off (/forge/* answers 404): FORGE_APP_ID is not set") {
		t.Errorf("the start without FORGE_APP_ID does not say Forge Remote is off:\n%s", off.Output())
	}
}

// TestForgeRemoteOnPostgres runs the app as in production on PostgreSQL
// with Forge Remote on: a loopback JWKS is accepted only with
// FORGE_JWKS_URL_INTENDED=true, which the start prints; the workspace ->
// client key mapping lands in the database, survives a restart, and is
// dropped once the Connect installation is uninstalled.
func TestForgeRemoteOnPostgres(t *testing.T) {
	testenv.Need(t, "npm", "postgres")
	pg := StartPostgres(t)
	dir, port := newProjectAndPort(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const kid = "apptest-forge-pg"
	jwksURL := serveJWKS(t, kid, &key.PublicKey)
	env := []string{
		"NODE_ENV=production",
		"PORT=" + strconv.Itoa(port),
		"AC_LOCAL_BASE_URL=" + fmt.Sprintf("http://127.0.0.1:%d", port),
		"DATABASE_URL=" + pg.URL,
		"AC_HOST_WHITELIST=127.0.0.1",
		"FORGE_APP_ID=" + forgeAppID,
		"FORGE_JWKS_URL=" + jwksURL,
		"FORGE_JWKS_URL_INTENDED=true",
	}
	app := StartAppTB(t, dir, env...)
	if want := "Forge Remote trusts the keys at " + jwksURL + ", not Atlassian's (FORGE_JWKS_URL_INTENDED=true)"; !strings.Contains(app.Output(), want) {
		t.Errorf("the production start does not say %q:\n%s", want, app.Output())
	}

	h, err := hostsim.New(hostsim.Options{AppURL: app.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() }) // as above
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inst, err := h.Install(ctx)
	if err != nil {
		t.Fatalf("install: %v\n%s", err, app.Output())
	}
	ws, err := pg.Query(fmt.Sprintf(`SELECT "val"->'principal'->>'uuid' FROM "AddonSettings" WHERE "clientKey" = '%s' AND "key" = 'clientInfo'`, inst.ClientKey))
	if err != nil || ws == "" {
		t.Fatalf("no principal in the installation's row: %q %v", ws, err)
	}
	workspace := ws
	if !strings.HasPrefix(workspace, "{") {
		workspace = "{" + workspace + "}"
	}
	claims := forgeClaims(workspace)
	if got := whoami(t, app, key, kid, claims); got != inst.ClientKey {
		t.Fatalf("the UI call found Connect installation %q, want %s\n%s", got, inst.ClientKey, app.Output())
	}
	index := fmt.Sprintf(`SELECT "val"->>'clientKey' FROM "AddonSettings" WHERE "clientKey" = 'forge-remote' AND "key" = 'workspace:%s'`, strings.ToLower(strings.Trim(workspace, "{}")))
	if got, err := pg.Query(index); err != nil || got != inst.ClientKey {
		t.Errorf("the mapping row holds %q (%v), want %s", got, err, inst.ClientKey)
	}
	forgeRow := fmt.Sprintf(`SELECT "val"->>'installationId' FROM "AddonSettings" WHERE "clientKey" = '%s' AND "key" = 'forgeInstallation'`, inst.ClientKey)
	if got, err := pg.Query(forgeRow); err != nil || !strings.HasPrefix(got, "ari:cloud:ecosystem::installation/") {
		t.Errorf("the installation's forgeInstallation row holds %q (%v)", got, err)
	}

	app.Stop()
	app = StartAppTB(t, dir, env...)
	if got := whoami(t, app, key, kid, claims); got != inst.ClientKey {
		t.Errorf("after a restart the UI call found %q, want %s", got, inst.ClientKey)
	}
	if err := h.Uninstall(ctx); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	if got := whoami(t, app, key, kid, claims); got != "" {
		t.Errorf("after the uninstall the UI call still found %q", got)
	}
	if got, err := pg.Query(index); err != nil || got != "" {
		t.Errorf("after the uninstall the mapping row holds %q (%v)", got, err)
	}
	app.Stop()
}

// forgeClaims are the claims of a FIT for a UI call of the module
// repo-page in workspace, valid for 25 s.
func forgeClaims(workspace string) map[string]any {
	now := time.Now().Unix()
	installation := "ari:cloud:ecosystem::installation/5d1f0c3a-0000-4000-8000-000000000001"
	return map[string]any{
		"iss": "forge/invocation-token", "aud": forgeAppID, "iat": now, "nbf": now, "exp": now + 25, "jti": "jti-1",
		"app": map[string]any{
			"id": forgeAppID, "appVersion": "1.0.0", "installationId": installation,
			"apiBaseUrl":  "http://127.0.0.1:9",
			"environment": map[string]any{"type": "DEVELOPMENT", "id": "env-1"},
			"module":      map[string]any{"type": "bitbucket:repoMainMenuPage", "key": "repo-page"},
			"installation": map[string]any{
				"id":       installation,
				"contexts": []any{map[string]any{"apiBaseUrl": "http://127.0.0.1:9", "workspaceId": workspace}},
			},
		},
		"context":   map[string]any{"workspaceId": workspace, "localId": "l1", "extension": map[string]any{"type": "bitbucket:repoMainMenuPage"}},
		"principal": "557058:apptest",
	}
}

// whoami sends the example app's UI call "whoami" with a FIT of claims
// and returns the Connect client key it names ("" for none).
func whoami(t *testing.T, app *App, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	status, body := postForge(t, app.URL+"/forge/ui", signRS256(t, key, kid, claims), `{"call":{"functionKey":"whoami","payload":{}}}`)
	if status != http.StatusOK {
		t.Fatalf("UI call: %d %s\n%s", status, body, app.Output())
	}
	var who struct {
		AccountID        string  `json:"accountId"`
		WorkspaceID      string  `json:"workspaceId"`
		ConnectClientKey *string `json:"connectClientKey"`
	}
	if err := json.Unmarshal([]byte(body), &who); err != nil {
		t.Fatalf("UI call answered %s: %v", body, err)
	}
	ctx := claims["context"].(map[string]any)
	if who.AccountID != claims["principal"] || who.WorkspaceID != ctx["workspaceId"] {
		t.Errorf("UI call answered %s; want the principal and workspace of the token", body)
	}
	if who.ConnectClientKey == nil {
		return ""
	}
	return *who.ConnectClientKey
}

// serveJWKS serves pub as the only key of a JWKS on loopback until the
// test ends and returns its URL.
func serveJWKS(t *testing.T, kid string, pub *rsa.PublicKey) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks) // a failed write shows as the app's 503
	})}
	go func() { _ = srv.Serve(l) }() // Serve returns ErrServerClosed at Close
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String() + "/.well-known/jwks.json"
}

func b64JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values are passed
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signRS256 returns claims as a JWT signed with key (RS256, kid).
func signRS256(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	input := b64JSON(map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}) + "." + b64JSON(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// postForge posts body to url as Forge does, with token as the FIT ("" for
// none), and returns the status and the body.
func postForge(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-forge-oauth-system", "forge-system-apptest")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read in full below
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// installedWorkspace reads the workspace of the installation clientKey
// (its install payload's principal) from the app's store.json.
func installedWorkspace(t *testing.T, dir, clientKey string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "store.json"))
	if err != nil {
		t.Fatal(err)
	}
	var store struct {
		Tenants map[string]struct {
			ClientInfo struct {
				Principal struct {
					UUID string `json:"uuid"`
				} `json:"principal"`
			} `json:"clientInfo"`
		} `json:"tenants"`
	}
	if err := json.Unmarshal(b, &store); err != nil {
		t.Fatal(err)
	}
	ws := store.Tenants[clientKey].ClientInfo.Principal.UUID
	if ws == "" {
		t.Fatalf("store.json has no principal for %s:\n%s", clientKey, b)
	}
	if !strings.HasPrefix(ws, "{") {
		ws = fmt.Sprintf("{%s}", ws)
	}
	return ws
}
