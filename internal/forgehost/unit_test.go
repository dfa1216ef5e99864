package forgehost

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestParseManifestErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"not YAML", "modules: [", "is not valid YAML"},
		{"no modules", "app:\n  id: x\n", "has no modules"},
		{"no key", "modules:\n  trigger:\n    - function: f\n", "modules.trigger[0] has no key"},
		{"bad handler", "modules:\n  function:\n    - key: f\n      handler: index\n", `handler "index"; a handler is FILE.EXPORT`},
		{"unknown function", "modules:\n  trigger:\n    - key: t\n      function: nope\n", `trigger "t" names function "nope"`},
		{"unknown resolver", "modules:\n  bitbucket:repoMainMenuPage:\n    - key: p\n      resolver:\n        function: r\n", `names function "r"`},
	}
	for _, c := range cases {
		_, err := ParseManifest([]byte(c.src))
		var le *LoadError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a LoadError with %q", c.name, err, c.want)
		}
	}
}

func TestParseManifest(t *testing.T) {
	m, err := ParseManifest([]byte(`modules:
  scheduledTrigger:
    - key: nightly
      function: job
      interval: day
  function:
    - key: job
      handler: jobs.nightly
      timeoutSeconds: 120
permissions:
  scopes: [read:repository:bitbucket]
  external:
    fetch:
      backend:
        - https://api.example.com
        - address: "*.example.org"
        - remote: connect
remotes:
  - key: connect
    baseUrl: https://connect.example.net
app:
  id: ari:cloud:ecosystem::app/x
  runtime:
    name: nodejs22.x
`))
	if err != nil {
		t.Fatal(err)
	}
	mod := m.Modules["scheduledTrigger"][0]
	if mod.Function != "job" || mod.TimeoutSeconds != 120 || m.Functions["job"] != "jobs.nightly" || m.Runtime != "nodejs22.x" {
		t.Errorf("parsed %+v %+v", mod, m)
	}
	for raw, want := range map[string]bool{
		"https://api.example.com/x":        true,
		"http://api.example.com/x":         false, // the scheme is part of the entry
		"https://a.example.org/":           true,
		"https://example.org/":             false, // *.example.org is subdomains
		"https://connect.example.net/ping": true,  // a remote's baseUrl
		"https://telemetry.example.net/":   false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.FetchAllowed(u); got != want {
			t.Errorf("FetchAllowed(%s) = %v, want %v", raw, got, want)
		}
	}
}

func TestRouteScope(t *testing.T) {
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/2.0/user", "read:user:bitbucket"},
		{"GET", "/2.0/workspaces/ws", "read:workspace:bitbucket"},
		{"GET", "/2.0/workspaces/ws/projects/P", "read:project:bitbucket"},
		{"GET", "/2.0/repositories/ws/repo", "read:repository:bitbucket"},
		{"DELETE", "/2.0/repositories/ws/repo", "delete:repository:bitbucket"},
		{"GET", "/2.0/repositories/ws/repo/src/main/README.md", "read:repository:bitbucket"},
		{"POST", "/2.0/repositories/ws/repo/commit/abc/statuses/build", "write:repository:bitbucket"},
		{"GET", "/2.0/repositories/ws/repo/pullrequests/1", "read:pullrequest:bitbucket"},
		{"POST", "/2.0/repositories/ws/repo/pullrequests/1/comments", "write:pullrequest:bitbucket"},
		{"GET", "/2.0/repositories/ws/repo/pipelines/", "read:pipeline:bitbucket"},
		{"GET", "/2.0/addon/app/client-key", ""},
		{"GET", "/2.0/snippets", ""},
	} {
		if got := RouteScope(c.method, c.path); got != c.want {
			t.Errorf("RouteScope(%s %s) = %q, want %q", c.method, c.path, got, c.want)
		}
	}
}

// TestEventPayloads: every Bitbucket event names its objects by UUID (or
// id), never whole objects, and needs a known scope.
func TestEventPayloads(t *testing.T) {
	w := World{WorkspaceUUID: "{w}", RepositoryUUID: "{r}", ProjectUUID: "{p}", AccountID: "a", UserUUID: "{u}", PullRequestID: 1}
	events := BitbucketEvents()
	if len(events) != 20 {
		t.Errorf("%d events, want the 20 of the events reference", len(events))
	}
	for _, ev := range events {
		p := w.EventPayload(ev, testAppID)
		if p["eventType"] != ev || EventScope(ev) == "" || !KnownEvent(ev) {
			t.Errorf("%s: %v, scope %q", ev, p, EventScope(ev))
		}
		for k, v := range p {
			obj, ok := v.(map[string]any)
			if !ok {
				continue
			}
			for field := range obj {
				switch field {
				case "uuid", "id", "hash", "accountId", "type", "key", "state":
				default:
					t.Errorf("%s: %s.%s is more than an identifier", ev, k, field)
				}
			}
		}
		if strings.Contains(ev, "pullrequest") && p["pullrequest"] == nil {
			t.Errorf("%s has no pullrequest id", ev)
		}
	}
	if KnownEvent("avi:bitbucket:made-up:thing") {
		t.Error("a made-up event is known")
	}
}

func TestStore(t *testing.T) {
	s, err := OpenStore("")
	if err != nil {
		t.Fatal(err)
	}
	if _, e := s.handle("i1", "/api/v1/set", []byte(`{"key":"k","value":{"n":1}}`)); e != nil {
		t.Fatal(e)
	}
	if v, e := s.handle("i1", "/api/v1/get", []byte(`{"key":"k"}`)); e != nil || !strings.Contains(strings.ReplaceAll(strings.TrimSpace(toJSON(t, v)), " ", ""), `"value":{"n":1}`) {
		t.Errorf("get: %v %v", toJSON(t, v), e)
	}
	if _, e := s.handle("i2", "/api/v1/get", []byte(`{"key":"k"}`)); e == nil || e.Code != "KEY_NOT_FOUND" {
		t.Errorf("another installation sees the value: %v", e)
	}
	if _, e := s.handle("i1", "/api/v1/secret/get", []byte(`{"key":"k"}`)); e == nil || e.Code != "KEY_NOT_FOUND" {
		t.Errorf("secrets and values share keys: %v", e)
	}
	big := `{"key":"b","value":"` + strings.Repeat("x", MaxValueSize) + `"}`
	if _, e := s.handle("i1", "/api/v1/set", []byte(big)); e == nil || !strings.Contains(e.Message, "240 KiB") {
		t.Errorf("a value over the limit: %v", e)
	}
	if _, e := s.handle("i1", "/api/v1/set", []byte(`{"key":"`+strings.Repeat("k", 501)+`","value":1}`)); e == nil || !strings.Contains(e.Message, "at most 500") {
		t.Errorf("a key over the limit: %v", e)
	}
	if _, e := s.handle("i1", "/api/v1/entity/get", []byte(`{}`)); e == nil || e.Status != 501 {
		t.Errorf("entities: %v", e)
	}
}
