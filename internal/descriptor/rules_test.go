package descriptor

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// base is a descriptor with no findings at all; each rule case changes one
// thing in it.
const base = `{
  "key": "test-app",
  "name": "Test App",
  "description": "An app for tests",
  "vendor": {"name": "Example", "url": "https://example.com"},
  "baseUrl": "https://app.example.com",
  "authentication": {"type": "jwt"},
  "lifecycle": {"installed": "/installed", "uninstalled": "/uninstalled"},
  "scopes": ["account", "repository", "pullrequest"],
  "contexts": ["account"],
  "modules": {
    "webhooks": [{"event": "repo:push", "url": "/webhook"}],
    "webItems": [{"key": "item", "name": {"value": "Item"}, "url": "/item?repo={repository.full_name}", "location": "org.bitbucket.repository.navigation"}],
    "webPanels": [{"key": "panel", "name": {"value": "Panel"}, "url": "/panel", "location": "org.bitbucket.repository.overview.informationPanel"}],
    "configurePage": {"key": "configure", "name": {"value": "Configure"}, "url": "/configure"}
  }
}`

// edit applies changes to the base descriptor: "/a/b=<json>" sets a value
// (creating objects on the way), "-/a/b" deletes one.
func edit(t *testing.T, changes ...string) []byte {
	t.Helper()
	return editOf(t, base, changes...)
}

// editOf is edit on another descriptor than base.
func editOf(t *testing.T, src string, changes ...string) []byte {
	t.Helper()
	var d any
	if err := json.Unmarshal([]byte(src), &d); err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		del := strings.HasPrefix(c, "-")
		path, val := strings.TrimPrefix(c, "-"), ""
		if !del {
			var ok bool
			path, val, ok = strings.Cut(c, "=")
			if !ok {
				t.Fatalf("bad change %q", c)
			}
		}
		toks := strings.Split(strings.TrimPrefix(path, "/"), "/")
		var parent any = d
		for _, tok := range toks[:len(toks)-1] {
			switch p := parent.(type) {
			case map[string]any:
				if p[tok] == nil {
					p[tok] = map[string]any{}
				}
				parent = p[tok]
			case []any:
				i, _ := strconv.Atoi(tok)
				parent = p[i]
			}
		}
		last := toks[len(toks)-1]
		var v any
		if !del {
			if err := json.Unmarshal([]byte(val), &v); err != nil {
				t.Fatalf("change %q: %v", c, err)
			}
		}
		switch p := parent.(type) {
		case map[string]any:
			if del {
				delete(p, last)
			} else {
				p[last] = v
			}
		case []any:
			i, _ := strconv.Atoi(last)
			if del {
				t.Fatalf("cannot delete array element in %q", c)
			}
			if i == len(p) {
				t.Fatalf("cannot append in %q; set the whole array", c)
			}
			p[i] = v
		}
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func findingsOf(r *Result) []string {
	out := []string{}
	for _, f := range r.Findings {
		out = append(out, string(f.Severity)+" "+f.Rule+"@"+f.Pointer)
	}
	sort.Strings(out)
	return out
}

type ruleCase struct {
	name    string
	src     []byte
	opts    Options
	want    []string // "severity rule@pointer", exactly
	message string   // a part of the first finding's message
	sugg    string   // a part of the first finding's suggestion
}

func ruleCases(t *testing.T) []ruleCase {
	long := func(n int) string { return strings.Repeat("a", n) }
	return []ruleCase{
		{name: "base has no findings", src: []byte(base)},

		{name: "json-syntax", src: []byte(`{"key": }`), want: []string{"error json-syntax@"}, message: "expected a value"},
		{name: "json-syntax pass: JSON5", src: []byte(strings.Replace(base, `"key": "test-app",`, "// comment\n  key: 'test-app',", 1))},
		{name: "json-too-deep", src: []byte(`{"definitions": ` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}`), want: []string{"error json-too-deep@"}, message: "nesting deeper than 1000 levels"},
		{name: "json-too-large", src: []byte(`{"description": "` + strings.Repeat("x", 21<<20) + `"}`), want: []string{"error json-too-large@"}, message: "more than the limit of 20 MiB"},
		{name: "json-duplicate-key", src: []byte(strings.Replace(base, `"name": "Test App",`, `"name": "Old", "name": "Test App",`, 1)), want: []string{"warning json-duplicate-key@/name"}, message: "repeats the one at 3:3"},

		{name: "type", src: edit(t, "/key=5"), want: []string{"error type@/key"}, message: "key is a number; expected string"},
		{name: "type: not an object", src: []byte(`["a"]`), want: []string{"error type@"}, message: "not an array"},
		{name: "type: Infinity", src: []byte(strings.Replace(base, `"url": "/panel",`, `"url": "/panel", "weight": -Infinity,`, 1)), want: []string{"error type@/modules/webPanels/0/weight"}, message: "-Infinity is not a JSON number"},
		{name: "type pass: integer weight", src: edit(t, "/modules/webPanels/0/weight=100")},

		{name: "required", src: edit(t, "-/name"), want: []string{"error required@"}, message: `missing the required property "name"`},
		{name: "required in a module", src: edit(t, "-/modules/webItems/0/location"), want: []string{"error required@/modules/webItems/0"}, message: `webItems[0] is missing the required property "location"`},
		{name: "required: lifecycle of a non-jwt app", src: edit(t, "-/lifecycle", `/authentication/type="none"`), want: []string{"error required@"}, message: `"lifecycle"`},

		{name: "unknown-property top level", src: edit(t, `/descripton="x"`), want: []string{"error unknown-property@/descripton"}, sugg: `did you mean "description"?`},
		{name: "unknown-property in links", src: edit(t, `/links={"self": "https://app.example.com/atlassian-connect.json", "privacy": "https://example.com/p"}`), want: []string{"error unknown-property@/links/privacy"}, message: `unknown property "privacy" in links`, sugg: "allowed here: self"},
		{name: "unknown-property module type", src: edit(t, `/modules/repoPage=[]`), want: []string{"error unknown-property@/modules/repoPage"}, message: `unknown module type "repoPage"`, sugg: `did you mean "repoPages"?`},
		{name: "unknown-property in a module", src: edit(t, `/modules/webItems/0/tooltips={"value": "x"}`), want: []string{"error unknown-property@/modules/webItems/0/tooltips"}, sugg: `did you mean "tooltip"?`},
		{name: "unknown-property pass: documented fields", src: edit(t, `/links={"self": "https://app.example.com/atlassian-connect.json"}`, "/apiVersion=1", "/enableLicensing=false", `/modules/webItems/0/tooltip={"value": "x"}`, `/modules/webItems/0/target={"type": "dialog", "options": {}}`, `/modules/webItems/0/conditions=[{"condition": "has_permission", "params": {"permission": "write"}}]`)},

		{name: "key-pattern", src: edit(t, `/key="my app"`), want: []string{"error key-pattern@/key"}, message: `' ' at position 3`},
		{name: "key-pattern pass", src: edit(t, `/key="com.example.my_app-1"`)},
		{name: "key-length", src: edit(t, `/key="`+long(65)+`"`), want: []string{"error key-length@/key"}, message: "65 characters, more than 64"},
		{name: "key-length pass: 64", src: edit(t, `/key="`+long(64)+`"`)},
		{name: "module-key-pattern", src: edit(t, `/modules/webItems/0/key="web_item"`), want: []string{"error module-key-pattern@/modules/webItems/0/key"}, message: `'_' at position 4`, sugg: `use "web-item"`},
		{name: "module-key-pattern pass", src: edit(t, `/modules/webItems/0/key="Web-Item-2"`)},
		{name: "module-key-length", src: edit(t, `/modules/webItems/0/key="`+long(129)+`"`), want: []string{"error module-key-length@/modules/webItems/0/key"}, message: "129 characters, more than 128"},
		{name: "module-key-length pass: 128", src: edit(t, `/modules/webItems/0/key="`+long(128)+`"`)},
		{name: "module-key-duplicate", src: edit(t, `/modules/webPanels/0/key="item"`), want: []string{"error module-key-duplicate@/modules/webPanels/0/key"}, message: `already used by webItems[0]`},
		{name: "module-key-duplicate across single-object modules", src: edit(t, `/modules/configurePage/key="panel"`), want: []string{"error module-key-duplicate@/modules/webPanels/0/key"}},

		{name: "url-length", src: edit(t, `/modules/webPanels/0/url="/`+long(2048)+`"`), want: []string{"error url-length@/modules/webPanels/0/url"}, message: "2049 characters, more than 2048"},
		{name: "url-length pass: 2048", src: edit(t, `/modules/webPanels/0/url="/`+long(2047)+`"`)},
		{name: "url-length in lifecycle", src: edit(t, `/lifecycle/installed="/`+long(2048)+`"`), want: []string{"error url-length@/lifecycle/installed"}},

		{name: "placeholder", src: edit(t, `/baseUrl="{{localBaseUrl}}"`), want: []string{"note placeholder@/baseUrl"}, message: "the https check (baseurl-https) was skipped"},
		{name: "placeholder pass: substituted", src: edit(t, `/baseUrl="{{localBaseUrl}}"`), opts: Options{BaseURL: "https://abc.example.com"}},
		{name: "placeholder substituted with http", src: edit(t, `/baseUrl="{{localBaseUrl}}"`), opts: Options{BaseURL: "http://example.com"}, want: []string{"error baseurl-https@/baseUrl"}},
		{name: "placeholder appKey", src: edit(t, `/key="{{appKey}}"`), want: []string{"note placeholder@/key"}},
		{name: "placeholder appKey substituted", src: edit(t, `/key="{{appKey}}"`), opts: Options{AppKey: "bad key"}, want: []string{"error key-pattern@/key"}},

		{name: "baseurl-https", src: edit(t, `/baseUrl="http://app.example.com"`), want: []string{"error baseurl-https@/baseUrl"}, sugg: `use "https://app.example.com"`},
		{name: "baseurl-https: localhost is a warning", src: edit(t, `/baseUrl="http://localhost:3000"`), want: []string{"warning baseurl-https@/baseUrl"}, message: "fine for local development on localhost"},
		{name: "baseurl-https: 127.0.0.1 is a warning", src: edit(t, `/baseUrl="http://127.0.0.1:8080/app"`), want: []string{"warning baseurl-https@/baseUrl"}},
		{name: "baseurl-https: ::1 is loopback too", src: edit(t, `/baseUrl="http://[::1]:3000"`), want: []string{"warning baseurl-https@/baseUrl"}},
		{name: "baseurl-https: 127.0.0.1 as a subdomain is not", src: edit(t, `/baseUrl="http://127.0.0.1.example.com"`), want: []string{"error baseurl-https@/baseUrl"}},
		{name: "baseurl-https: not a URL", src: edit(t, `/baseUrl="base_url"`), want: []string{"error baseurl-https@/baseUrl"}, message: "not an absolute URL"},
		{name: "baseurl-https: other scheme", src: edit(t, `/baseUrl="ftp://app.example.com"`), want: []string{"error baseurl-https@/baseUrl"}, message: "scheme ftp:"},
		{name: "baseurl-https pass: with a path", src: edit(t, `/baseUrl="https://app.example.com/bitbucket/"`)},

		{name: "authentication-type", src: edit(t, `/authentication/type="oauth2"`), want: []string{"error authentication-type@/authentication/type"}, message: `"oauth2" is not jwt or none`},
		{name: "authentication-type pass: none", src: edit(t, `/authentication/type="none"`)},

		{name: "lifecycle-installed-missing: no lifecycle", src: edit(t, "-/lifecycle"), want: []string{"error lifecycle-installed-missing@/lifecycle"}, message: "never learns the shared secret"},
		{name: "lifecycle-installed-missing: no installed", src: edit(t, "-/lifecycle/installed"), want: []string{"error lifecycle-installed-missing@/lifecycle/installed"}, sugg: `add "installed": "/installed"`},
		{name: "lifecycle-installed-missing pass: enabled and disabled too", src: edit(t, `/lifecycle/enabled="/enabled"`, `/lifecycle/disabled="/disabled"`)},

		{name: "scope-unknown", src: edit(t, `/scopes=["account", "repositories", "pullrequest"]`), want: []string{"error scope-unknown@/scopes/1"}, sugg: `did you mean "repository"?`},
		{name: "scope-unknown with no near match", src: edit(t, `/scopes=["account", "repository", "pullrequest", "everything"]`), want: []string{"error scope-unknown@/scopes/3"}, sugg: "known scopes: account,"},
		{name: "scope-removed", src: edit(t, `/scopes=["account", "repository", "pullrequest", "project:write"]`), want: []string{"error scope-removed@/scopes/3"}, message: "removed on 2023-05-15", sugg: "project:admin"},
		{name: "scope pass: every known scope", src: edit(t, `/scopes=`+mustJSON(knownScopes)), want: []string{"note scope-retired@/scopes/13", "note scope-retired@/scopes/14", "note scope-retired@/scopes/15"}},

		{name: "webhook-event-unknown", src: edit(t, `/modules/webhooks/0/event="repo:pushed"`), want: []string{"error webhook-event-unknown@/modules/webhooks/0/event"}, sugg: `did you mean "repo:push"?`},
		{name: "webhook-event-unknown: too long", src: edit(t, `/modules/webhooks/0/event="repo:`+long(60)+`"`), want: []string{"error webhook-event-unknown@/modules/webhooks/0/event"}, message: "65 characters, more than 64"},
		{name: "webhook-event pass: every known event", src: edit(t, `/scopes=`+mustJSON(current(knownScopes, RetiredScope)), `/modules/webhooks=`+webhooksJSON(current(knownEvents, RetiredEvent)))},
		{name: "webhook-scope-missing", src: edit(t, `/modules/webhooks/0/event="pullrequest:created"`, `/scopes=["account", "repository"]`), want: []string{"error webhook-scope-missing@/modules/webhooks/0/event"}, message: `needs the scope "pullrequest"`, sugg: `add "pullrequest" to scopes`},
		{name: "webhook-scope-missing pass: implied scope", src: edit(t, `/scopes=["account", "repository:write", "pullrequest"]`)},
		{name: "webhook-scope-missing pass: no scopes array is all scopes", src: edit(t, "-/scopes", `/modules/webhooks/0/event="pullrequest:created"`)},

		{name: "scope-retired", src: edit(t, `/scopes=["account", "repository", "pullrequest", "wiki"]`), want: []string{"note scope-retired@/scopes/3"}, message: `scope "wiki" grants nothing any more: Wikis were removed from Bitbucket Cloud on 2026-08-20`, sugg: "remove it"},
		{name: "webhook-event-retired", src: edit(t, `/scopes=["account", "repository", "pullrequest", "issue"]`, `/modules/webhooks/0/event="issue:created"`), want: []string{"note scope-retired@/scopes/3", "note webhook-event-retired@/modules/webhooks/0/event"}, message: "Issues were removed from Bitbucket Cloud in August 2026"},

		{name: "forge-app-link pass, forge-app-id pass", src: edit(t, `/forgeAppLink="https://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=AYABe123&product=bitbucket"`, `/forgeAppId="ari:cloud:ecosystem::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d"`)},
		{name: "forge-app-link: http", src: edit(t, `/forgeAppLink="http://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=x&product=bitbucket"`), want: []string{"error forge-app-link@/forgeAppLink"}, message: "uses http:; Forge installation links are https://", sugg: "?signature=<signature>&product=bitbucket"},
		{name: "forge-app-link: host", src: edit(t, `/forgeAppLink="https://bitbucket.org/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=x&product=bitbucket"`), want: []string{"error forge-app-link@/forgeAppLink"}, message: "points to bitbucket.org; Forge installation links are on developer.atlassian.com"},
		{name: "forge-app-link: path", src: edit(t, `/forgeAppLink="https://developer.atlassian.com/console/myapps/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=x&product=bitbucket"`), want: []string{"error forge-app-link@/forgeAppLink"}, message: `path "/console/myapps/`},
		{name: "forge-app-link: app id", src: edit(t, `/forgeAppLink="https://developer.atlassian.com/console/install/my-app-id?signature=1234567890&product=bitbucket"`), want: []string{"error forge-app-link@/forgeAppLink"}, message: `app id "my-app-id" is not a UUID`},
		{name: "forge-app-link: signature", src: edit(t, `/forgeAppLink="https://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?product=bitbucket"`), want: []string{"error forge-app-link@/forgeAppLink"}, message: "no signature parameter"},
		{name: "forge-app-link: product", src: edit(t, `/forgeAppLink="https://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=x&product=jira"`), want: []string{"error forge-app-link@/forgeAppLink"}, message: `product "jira"`},
		{name: "forge-app-link: no product", src: edit(t, `/forgeAppLink="https://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=x"`), want: []string{"error forge-app-link@/forgeAppLink"}, message: "add &product=bitbucket"},
		{name: "forge-app-link: type", src: edit(t, `/forgeAppLink=true`), want: []string{"error type@/forgeAppLink"}},
		{name: "forge-app-id: bare uuid", src: edit(t, `/forgeAppId="0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d"`), want: []string{"error forge-app-id@/forgeAppId"}, message: "bare UUID", sugg: `use "ari:cloud:ecosystem::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d"`},
		{name: "forge-app-id: placeholder", src: edit(t, `/forgeAppId="ari:cloud:ecosystem::app/invalid-run-forge-register"`), want: []string{"error forge-app-id@/forgeAppId"}, message: "still a placeholder", sugg: "forge register"},
		{name: "forge-app-id: a link", src: edit(t, `/forgeAppId="https://developer.atlassian.com/console/install/x"`), want: []string{"error forge-app-id@/forgeAppId"}, message: "goes in forgeAppLink"},
		{name: "forge-app-id: prefix", src: edit(t, `/forgeAppId="ari:cloud:bitbucket::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d"`), want: []string{"error forge-app-id@/forgeAppId"}, message: "does not start with ari:cloud:ecosystem::app/"},
		{name: "forge-app-mismatch", src: edit(t, `/forgeAppLink="https://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=x&product=bitbucket"`, `/forgeAppId="ari:cloud:ecosystem::app/11111111-2222-4333-8444-555555555555"`), want: []string{"error forge-app-mismatch@/forgeAppId"}, message: "both must be the same Forge app"},
		{name: "webhook-wildcard-filtered", src: edit(t, `/modules/webhooks/0/event="*"`, `/scopes=["email", "snippet"]`), want: []string{"note webhook-wildcard-filtered@/modules/webhooks/0/event"}, message: `these allow none: without "repository", "pullrequest", "issue", "project", "account" the app receives no repo:*, pullrequest:*, issue:*, project:*, user:* events`},
		{name: "webhook-wildcard pass: some families scoped", src: edit(t, `/modules/webhooks/0/event="*"`, `/scopes=["account", "repository"]`)},
		{name: "webhook-wildcard pass: all families scoped", src: edit(t, `/modules/webhooks/0/event="*"`, `/scopes=["account", "pullrequest", "project"]`)},

		{name: "context-personal", src: edit(t, `/contexts=["personal"]`), want: []string{"error context-personal@/contexts/0"}, message: "removed on 2023-01-01"},
		{name: "context-unknown", src: edit(t, `/contexts=["account", "acount"]`), want: []string{"warning context-unknown@/contexts/1"}, sugg: `did you mean "account"?`},
		{name: "contexts pass: absent", src: edit(t, "-/contexts")},

		{name: "configurepage-object", src: edit(t, `/modules/configurePage=[{"key": "configure", "name": {"value": "Configure"}, "url": "/configure"}]`), want: []string{"error configurepage-object@/modules/configurePage"}, sugg: "remove the [ ]"},

		{name: "location-unknown", src: edit(t, `/modules/webItems/0/location="org.bitbucket.repository.navigaton"`), want: []string{"warning location-unknown@/modules/webItems/0/location"}, sugg: `did you mean "org.bitbucket.repository.navigation"?`},
		{name: "location-unknown: another kind's location", src: edit(t, `/modules/webItems/0/location="org.bitbucket.repository.overview.informationPanel"`), want: []string{"warning location-unknown@/modules/webItems/0/location"}, message: "it is one for webPanels"},
		{name: "location pass: web card", src: edit(t, `/modules/webCards=[{"key": "card", "name": {"value": "Card"}, "url": "/card", "location": "org.bitbucket.pullrequest"}]`)},

		{name: "url-context-param: space", src: edit(t, `/modules/webItems/0/url="/x?r={repository.full name}"`), want: []string{"error url-context-param@/modules/webItems/0/url"}, message: `"{repository.full name}"`},
		{name: "url-context-param: unclosed", src: edit(t, `/modules/webPanels/0/url="/x?r={repository.uuid"`), want: []string{"error url-context-param@/modules/webPanels/0/url"}, message: "never closed"},
		{name: "url-context-param: stray brace", src: edit(t, `/modules/webPanels/0/url="/x}"`), want: []string{"error url-context-param@/modules/webPanels/0/url"}, message: "without its '{'"},
		{name: "url-context-param: double braces", src: edit(t, `/modules/webPanels/0/url="/x?a={{repo}}"`), want: []string{"error url-context-param@/modules/webPanels/0/url"}, message: "inside a context parameter"},
		{name: "url-context-param pass", src: edit(t, `/modules/webPanels/0/url="{{localBaseUrl}}/x?w={repository.workspace.slug}&p={pullrequest.id}&s={signed_request}"`)},

		{name: "url-absolute-https: iframe", src: edit(t, `/modules/webPanels/0/url="http://other.example.com/panel"`), want: []string{"error url-absolute-https@/modules/webPanels/0/url"}, message: "browsers block http content"},
		{name: "url-absolute-https: link is a warning", src: edit(t, `/modules/webItems/0/url="http://other.example.com/x"`), want: []string{"warning url-absolute-https@/modules/webItems/0/url"}},
		{name: "url-absolute-https: dialog is an iframe", src: edit(t, `/modules/webItems/0/url="http://other.example.com/x"`, `/modules/webItems/0/target={"type": "dialog"}`), want: []string{"error url-absolute-https@/modules/webItems/0/url"}},
		{name: "url-absolute-https: lifecycle", src: edit(t, `/lifecycle/installed="http://other.example.com/installed"`), want: []string{"error url-absolute-https@/lifecycle/installed"}, message: "unencrypted"},
		{name: "url-absolute-https: webhook", src: edit(t, `/modules/webhooks/0/url="http://other.example.com/hook"`), want: []string{"error url-absolute-https@/modules/webhooks/0/url"}},
		{name: "url-absolute-https: javascript", src: edit(t, `/modules/webItems/0/url="javascript:alert(1)"`), want: []string{"error url-absolute-https@/modules/webItems/0/url"}, message: "scheme javascript:"},
		{name: "url-absolute-https: localhost", src: edit(t, `/modules/webPanels/0/url="http://localhost:3000/panel"`), want: []string{"warning url-absolute-https@/modules/webPanels/0/url"}},
		{name: "url-absolute-https pass", src: edit(t, `/modules/webPanels/0/url="https://other.example.com/panel"`, `/modules/webItems/0/url="//cdn.example.com/x"`)},

		{name: "length: empty location", src: edit(t, `/modules/webItems/0/location=""`), want: []string{"error length@/modules/webItems/0/location"}, message: "is empty"},
	}
}

// current drops the names retired says are gone.
func current(names []string, retired func(string) string) []string {
	var out []string
	for _, n := range names {
		if retired(n) == "" {
			out = append(out, n)
		}
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func webhooksJSON(events []string) string {
	var hooks []map[string]string
	for _, e := range events {
		hooks = append(hooks, map[string]string{"event": e, "url": "/webhook"})
	}
	return mustJSON(hooks)
}

// TestRules runs a failing and a passing case for every rule, comparing
// the complete list of findings.
func TestRules(t *testing.T) {
	fired := map[string]bool{}
	for _, tt := range append(ruleCases(t), cloudRuleCases(t)...) {
		t.Run(tt.name, func(t *testing.T) {
			r := Validate("test.json", tt.src, tt.opts)
			got := findingsOf(r)
			want := append([]string{}, tt.want...)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("findings %q, want %q\n%s", got, want, dump(r))
			}
			for _, f := range r.Findings {
				fired[f.Rule] = true
				if f.Line < 1 || f.Column < 1 {
					t.Errorf("finding %+v has no position", f)
				}
			}
			if tt.message != "" && !strings.Contains(r.Findings[0].Message, tt.message) {
				t.Errorf("message %q does not contain %q", r.Findings[0].Message, tt.message)
			}
			if tt.sugg != "" && !strings.Contains(r.Findings[0].Suggestion, tt.sugg) {
				t.Errorf("suggestion %q does not contain %q", r.Findings[0].Suggestion, tt.sugg)
			}
		})
	}
	// scope-increase comes from CompareScopes (TestCompareScopes); schema
	// is the fallback for schema errors no rule claims.
	for rule := range Rules {
		if !fired[rule] && rule != "scope-increase" && rule != "schema" {
			t.Errorf("rule %s has no failing case", rule)
		}
	}
}

// TestFindingPositions checks that findings point at the offending key or
// value, not at its object.
func TestFindingPositions(t *testing.T) {
	src := `{
  "key": "test-app",
  "name": "Test App",
  "description": "x",
  "baseUrl": "https://app.example.com",
  "authentication": {"type": "jwt"},
  "lifecycle": {"installed": "/installed"},
  "links": {
	"terms": "https://example.com/terms"
  },
  "modules": {
    "webItems": [{"key": "a b", "name": {"value": "x"}, "url": "/x", "location": "nowhere"}]
  }
}`
	r := Validate("p.json", []byte(src), Options{})
	want := map[string][2]int{
		"unknown-property":   {9, 2},
		"module-key-pattern": {12, 26},
		"location-unknown":   {12, 82},
	}
	if len(r.Findings) != len(want) {
		t.Fatalf("findings:\n%s", dump(r))
	}
	for _, f := range r.Findings {
		if w := want[f.Rule]; f.Line != w[0] || f.Column != w[1] {
			t.Errorf("%s at %d:%d, want %d:%d", f.Rule, f.Line, f.Column, w[0], w[1])
		}
	}
	// The required finding is located at the object missing the property.
	r = Validate("p.json", edit(t, "-/modules/webItems/0/url"), Options{})
	if len(r.Findings) != 1 || r.Findings[0].Rule != "required" {
		t.Fatalf("findings:\n%s", dump(r))
	}
	if line := strings.Split(string(r.Source), "\n")[r.Findings[0].Line-1]; !strings.HasSuffix(line[:r.Findings[0].Column], "{") {
		t.Errorf("required finding at %q column %d, want the object's brace", line, r.Findings[0].Column)
	}
}

func TestValidAppKey(t *testing.T) {
	tests := []struct {
		key, err string
	}{
		{"a-quick-addon", ""},
		{"com.example.app_1", ""},
		{strings.Repeat("k", 64), ""},
		{"", "empty (rule key-pattern)"},
		{strings.Repeat("k", 65), "65 characters, more than 64 (rule key-length)"},
		{"my app", `' ' at position 3 (rule key-pattern)`},
		{"café", `'é' at position 4 (rule key-pattern)`},
		{"a/b", `'/' at position 2`},
	}
	for _, tt := range tests {
		err := ValidAppKey(tt.key)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ValidAppKey(%q) = %v, want nil", tt.key, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ValidAppKey(%q) = %v, want an error containing %q", tt.key, err, tt.err)
		}
	}
	// ValidAppKey and the schema agree.
	for _, key := range []string{"a-quick-addon", "my app", strings.Repeat("k", 65), "x.y_z"} {
		r := Validate("k.json", edit(t, `/key=`+mustJSON(key)), Options{})
		if (ValidAppKey(key) == nil) != (r.Errors() == 0) {
			t.Errorf("key %q: ValidAppKey %v, Validate %d errors", key, ValidAppKey(key), r.Errors())
		}
	}
}

func TestEditDistanceAndSuggestions(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "abc", 3}, {"kitten", "sitting", 3}, {"webItem", "webItems", 1}, {"ab", "ba", 1}, {"repositroy", "repository", 1}} {
		if got := editDistance(tt.a, tt.b); got != tt.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
	if got := closest("WEBITEMS", []string{"webPanels", "webItems"}); got != "webItems" {
		t.Errorf("case-insensitive match: %q", got)
	}
	if got := closest("helpPanel", []string{"webPanels", "webItems"}); got != "" {
		t.Errorf("far candidate suggested: %q", got)
	}
}
