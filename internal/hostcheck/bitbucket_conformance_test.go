package hostcheck

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/bbworld/conformance"
	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/openapicheck"
)

// signingTransport signs every request as ACE's httpClient signs an app's
// call: iss the app key, sub the client key, qsh over the request.
type signingTransport struct {
	inst hostsim.Installation
	app  string
}

func (s signingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c, err := connectjwt.NewClaims(s.app, s.inst.ClientKey, r.Method, r.URL.RequestURI(), "", time.Now(), 3*time.Minute)
	if err != nil {
		return nil, err
	}
	tok, err := connectjwt.Sign(s.inst.SharedSecret, c)
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "JWT "+tok)
	return http.DefaultTransport.RoundTrip(r)
}

// TestBitbucketHostConformance runs the conformance cases through the
// whole local Bitbucket host (token checked, scopes from the installed
// descriptor), every answer validated against Bitbucket's OpenAPI
// document, and every route reached.
func TestBitbucketHostConformance(t *testing.T) {
	appURL := serveLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/atlassian-connect.json" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{ // a test server
			"key": conformance.App, "name": "Conformance", "baseUrl": "http://" + r.Host,
			"authentication": map[string]any{"type": "jwt"},
			"lifecycle":      map[string]any{"installed": "/installed", "uninstalled": "/uninstalled"},
			"scopes":         []any{"account", "project", "repository:write", "pullrequest:write"},
			"contexts":       []any{"account"},
			"modules":        map[string]any{"webhooks": []any{map[string]any{"event": "repo:push", "url": "/hook"}}},
		})
	}))
	h := newHost(t, appURL, nil)
	inst, err := h.Install(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapicheck.Load(filepath.Join("..", "openapicheck", "testdata", "bitbucket-swagger.v3.json"))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: signingTransport{inst: inst, app: conformance.App}}
	res, err := conformance.RunREST(doc, h.World(), h.APIURL(), client)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Failures {
		t.Error(f)
	}
	if len(res.Uncovered) > 0 || len(res.Covered) != len(res.Routes) {
		t.Errorf("routes not reached: %s", strings.Join(res.Uncovered, ", "))
	}
	for _, c := range h.Calls() {
		if !c.OK {
			t.Errorf("%s %s refused: %s", c.Method, c.Path, c.Reason)
		}
	}
	ents := conformance.RunEntities(doc, h.World(), inst.ClientKey)
	for _, f := range ents.Failures {
		t.Error(f)
	}
	// The webhook the app gets is the world's: the repository has its project.
	_, body := h.WebhookRequest("repo:push")
	if !strings.Contains(string(body), `"project":{`) || !strings.Contains(string(body), `"type":"author"`) {
		t.Errorf("repo:push payload: %.400s", body)
	}
	if _, _, err := h.SendWebhook(context.Background(), "issue:created"); err == nil || !strings.Contains(err.Error(), "2026-08-20") {
		t.Errorf("issue:created: %v", err)
	}
	if why := h.RefuseEvent("issue:comment_created"); !strings.Contains(why, "Issues were removed from Bitbucket Cloud on 2026-08-20") {
		t.Errorf("RefuseEvent: %q", why)
	}
	if why := h.RefuseEvent("repo:push"); why != "" {
		t.Errorf("RefuseEvent(repo:push) = %q", why)
	}
}
