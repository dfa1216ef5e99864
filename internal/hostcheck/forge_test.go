package hostcheck

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/hostsim"
)

const testForgeAppID = "ari:cloud:ecosystem::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d"

func getClientKey(t *testing.T, h *hostsim.Host, addonKey, forgeApp string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", h.APIURL()+"/2.0/addon/"+addonKey+"/client-key", nil)
	if err != nil {
		t.Fatal(err)
	}
	if forgeApp != "" {
		req.Header.Set(hostsim.ForgeAppHeader, forgeApp)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestClientKeyEndpoint: the Forge app named by forgeAppId gets the
// installation's client key; every other caller gets Bitbucket's 401 or
// 404 with the reason.
func TestClientKeyEndpoint(t *testing.T) {
	app := startFakeApp(t, defects{})
	app.extra = map[string]any{"forgeAppId": testForgeAppID}
	h := newHost(t, app.url, nil)
	if status, _ := getClientKey(t, h, fakeKey, testForgeAppID); status != 404 {
		t.Errorf("before the install: status %d, want 404", status)
	}
	inst, err := h.Install(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	status, body := getClientKey(t, h, fakeKey, testForgeAppID)
	var v struct{ ClientKey string }
	if status != 200 || json.Unmarshal([]byte(body), &v) != nil || v.ClientKey != inst.ClientKey {
		t.Fatalf("linked Forge app: %d %s, want 200 with %s", status, body, inst.ClientKey)
	}
	cases := []struct {
		name, key, forgeApp string
		status              int
		want                string
	}{
		{"no Forge app", fakeKey, "", 401, hostsim.ForgeAppHeader},
		{"another Forge app", fakeKey, "ari:cloud:ecosystem::app/11111111-2222-4333-8444-555555555555", 404, "the caller is"},
		{"another addon key", "other-app", testForgeAppID, 404, `not \"other-app\"`},
	}
	for _, c := range cases {
		status, body := getClientKey(t, h, c.key, c.forgeApp)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, status, body, c.status, c.want)
		}
	}
	calls := h.Calls()
	if len(calls) != 5 || !calls[1].OK || calls[2].OK {
		t.Errorf("calls recorded: %+v", calls)
	}
}

func TestClientKeyNeedsForgeAppID(t *testing.T) {
	_, h, _ := installed(t, defects{})
	status, body := getClientKey(t, h, fakeKey, testForgeAppID)
	if status != 404 || !strings.Contains(body, "no forgeAppId") || !strings.Contains(body, "The Connect addon or the Forge app does not exist") {
		t.Errorf("%d %s", status, body)
	}
}
