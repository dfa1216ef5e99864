package hostcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/bbworld"
	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/testenv"
)

// TestACEHttpClientBracesAndParentheses: atlassian-connect-express's own
// HostClient (what addon.httpClient gives an app) signs the path as the
// app writes it and its HTTP library escapes {, }, ( and ) on the wire;
// the local Bitbucket accepts those calls as bitbucket.org does, and
// still refuses a token whose qsh is for another request.
func TestACEHttpClientBracesAndParentheses(t *testing.T) {
	testenv.Need(t, "node", "npm")
	nm, err := apptest.NodeModules()
	if err != nil {
		t.Fatal(err)
	}
	app := startFakeApp(t, defects{})
	app.extra = map[string]any{"scopes": []any{"account", "pullrequest"}}
	h := newHost(t, app.url, nil)
	inst, err := h.Install(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "ace-httpclient.js"))
	if err != nil {
		t.Fatal(err)
	}
	calls := []string{
		"/2.0/repositories/" + bbworld.WorkspaceSlug + "/" + bbworld.RepoUUID,
		"/2.0/repositories/" + bbworld.WorkspaceUUID + "/" + bbworld.RepoUUID + "/pullrequests/1",
		"/2.0/users/" + bbworld.UserUUID,
		"PUT /2.0/repositories/" + bbworld.WorkspaceSlug + "/" + bbworld.RepoSlug + "/properties/" + fakeKey + "/seen(1)",
		"GET /2.0/repositories/" + bbworld.WorkspaceSlug + "/" + bbworld.RepoSlug + "/properties/" + fakeKey + "/seen(1)",
		"GET /2.0/repositories/" + bbworld.WorkspaceSlug + "/" + bbworld.RepoSlug + "/src/main/README.md?fields=x y",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, calls...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nm, "HOST_BASE_URL="+h.APIURL(), "CLIENT_KEY="+inst.ClientKey,
		"SHARED_SECRET="+inst.SharedSecret, "APP_KEY="+fakeKey)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	want := []int{200, 200, 200, 204, 200, 200}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(calls) {
		t.Fatalf("%d answers for %d calls:\n%s\n%s", len(lines), len(calls), out, stderr.String())
	}
	for i, l := range lines {
		var a struct {
			Path, Method, Error, Body string
			Status                    int
		}
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if a.Status != want[i] {
			t.Errorf("ACE %s %s: %d, want %d: %s %s", a.Method, a.Path, a.Status, want[i], a.Error, a.Body)
		}
	}
	for _, c := range h.Calls() {
		if !c.OK {
			t.Errorf("call %s %s refused: %s", c.Method, c.Path, c.Reason)
		}
	}

	// A token for another request is still refused, escaped or not.
	for _, signed := range []string{"/2.0/repositories/" + bbworld.WorkspaceSlug + "/{another}", "/2.0/user"} {
		c, err := connectjwt.NewClaims(fakeKey, inst.ClientKey, "GET", signed, "", time.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := connectjwt.Sign(inst.SharedSecret, c)
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest("GET", h.APIURL()+"/2.0/repositories/"+bbworld.WorkspaceSlug+"/%7B"+strings.Trim(bbworld.RepoUUID, "{}")+"%7D", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "JWT "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close() // only the status matters
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a token signed for %s opened the repository: %d", signed, resp.StatusCode)
		}
	}
}
