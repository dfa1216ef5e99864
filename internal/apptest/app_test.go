package apptest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/testenv"
)

// TestGeneratedApp is the end-to-end test of the bitbucket template: the
// project is generated, its dependencies installed with npm, and it runs on
// real Node with real atlassian-connect-express.
func TestGeneratedApp(t *testing.T) {
	testenv.Need(t, "npm")
	dir := filepath.Join(t.TempDir(), "a-quick-addon")
	if err := NewProject(dir); err != nil {
		t.Fatal(err)
	}
	local := StartApp(t, dir, "AC_LOCAL_BASE_URL=https://example.test")

	req, _ := http.NewRequest("GET", local+"/atlassian-connect.json", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var d struct {
		Key     string `json:"key"`
		BaseURL string `json:"baseUrl"`
		Modules map[string]json.RawMessage
		Scopes  []string `json:"scopes"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("descriptor is not JSON: %v\n%s", err, body)
	}
	if d.Key != Values.Key || d.BaseURL != "https://example.test" {
		t.Errorf("descriptor key %q baseUrl %q", d.Key, d.BaseURL)
	}
	for _, m := range []string{"webhooks", "webItems", "repoPages", "webPanels"} {
		if _, ok := d.Modules[m]; !ok {
			t.Errorf("descriptor has no %s module", m)
		}
	}
	if strings.Join(d.Scopes, ",") != "account,repository" {
		t.Errorf("scopes %v", d.Scopes)
	}

	// GET / for a JSON client is the descriptor too.
	req, _ = http.NewRequest("GET", local+"/", nil)
	req.Header.Set("Accept", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"baseUrl":"https://example.test"`) && !strings.Contains(string(body), `"baseUrl": "https://example.test"`) {
		t.Errorf("GET / as JSON: %d %s", resp.StatusCode, body)
	}

	// An unsigned webhook is refused.
	resp, err = http.Post(local+"/webhook", "application/json", strings.NewReader(`{"event":"repo:push"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Errorf("unsigned webhook answered %d", resp.StatusCode)
	}

	// The generated project's own test suite passes.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "test")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CI=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npm test: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "# fail 0") || !strings.Contains(string(out), "# pass") {
		t.Errorf("npm test output lacks node's test summary:\n%s", out)
	}
}
